import { expect } from 'chai';
import request from 'supertest';
import type { Harness } from './harness.js';
import { ADMIN_PASSWORD } from './harness.js';

export const PASSWORD = 'member-password-123';

export async function login(h: Harness, username: string, password = PASSWORD): Promise<string> {
  const res = await request(h.app).post('/api/v1/auth/login').send({ username, password });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return `Bearer ${(res.body as { token: string }).token}`;
}

export const adminLogin = (h: Harness): Promise<string> => login(h, 'admin', ADMIN_PASSWORD);

export async function addOrg(
  h: Harness,
  admin: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await request(h.app).post('/api/v1/orgs').set('authorization', admin).send(body);
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body as Record<string, unknown>;
}

export async function addUser(
  h: Harness,
  admin: string,
  orgId: string,
  username: string,
  roles: string[],
): Promise<string> {
  const res = await request(h.app)
    .post(`/api/v1/orgs/${orgId}/users`)
    .set('authorization', admin)
    .send({ username, password: PASSWORD, roles });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return (res.body as { user: { id: string } }).user.id;
}

export async function addKey(
  h: Harness,
  admin: string,
  orgId: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; key: string }> {
  const res = await request(h.app).post(`/api/v1/orgs/${orgId}/keys`).set('authorization', admin).send(body);
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body as { id: string; key: string };
}

/** The JSON pointers a 400 names. */
export function pathsOf(res: request.Response): string[] {
  return ((res.body as { error?: { details?: { path: string }[] } }).error?.details ?? []).map((d) => d.path);
}
