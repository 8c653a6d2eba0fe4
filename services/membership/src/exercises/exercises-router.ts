import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, CreateExerciseBody } from '@isac/api';
import type { ExercisesService } from './exercises-service.js';

export function createExercisesRouter(deps: {
  exercises: ExercisesService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  const { exercises, gate, routes } = deps;
  defineRoute<CreateExerciseBody>(r, gate, {
    route: routes.createExercise,
    handler: async ({ principal, body }) => ({ status: 201, body: await exercises.create(principal, body) }),
  });
  defineRoute(r, gate, {
    route: routes.listExercises,
    handler: async () => ({ body: await exercises.list() }),
  });
  defineRoute(r, gate, {
    route: routes.getExercise,
    handler: async ({ params }) => ({ body: await exercises.get(params['exerciseId'] ?? '') }),
  });
  defineRoute(r, gate, {
    route: routes.exerciseReport,
    handler: async ({ params }) => ({ body: await exercises.report(params['exerciseId'] ?? '') }),
  });
  defineRoute(r, gate, {
    route: routes.closeExercise,
    handler: async ({ principal, params }) => ({
      body: await exercises.close(principal, params['exerciseId'] ?? ''),
    }),
  });
  return r;
}
