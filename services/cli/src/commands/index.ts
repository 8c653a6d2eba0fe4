import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerLogin } from './login.js';
import { registerAdmin } from './admin.js';
import { registerSubmit } from './submit.js';
import { registerWatch } from './watch.js';
import { registerPolicy, registerStatus } from './policy.js';
import { registerStix } from './stix.js';
import { registerSub } from './sub.js';
import { registerAck } from './ack.js';
import { registerHub } from './hub.js';
import { registerRecover } from './recover.js';
import { registerAcks } from './delivery.js';
import { registerObjects, registerSearch } from './search.js';
import { registerEvent } from './event.js';
import { registerRetract } from './retract.js';
import { registerSighting } from './sighting.js';

/** Each group of commands lives in its own module and registers itself here. */
export function registerCommands(program: Command, ctx: () => CliContext): void {
  registerLogin(program, ctx);
  registerAdmin(program, ctx);
  registerSubmit(program, ctx);
  registerWatch(program, ctx);
  registerPolicy(program, ctx);
  registerStatus(program, ctx);
  registerRetract(program, ctx);
  registerSighting(program, ctx);
  registerStix(program, ctx);
  registerSub(program, ctx);
  registerAck(program, ctx);
  registerAcks(program, ctx);
  registerHub(program, ctx);
  registerRecover(program, ctx);
  registerSearch(program, ctx);
  registerObjects(program, ctx);
  registerEvent(program, ctx);
}
