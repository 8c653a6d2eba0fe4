import { expect } from 'chai';
import { defaultsOf, type ConfigOf } from './config-of.js';
import { ConfigError } from './load-config.js';

const slice = {
  type: 'object',
  additionalProperties: false,
  properties: {
    worker: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        pollMs: { type: 'integer', minimum: 10, default: 1000 },
        mode: { enum: ['auto', 5, 4], default: 'auto' },
        label: { type: 'string' },
      },
    },
    names: { type: 'array', items: { type: 'string' }, default: ['a', 'b'] },
  },
} as const;

describe('defaultsOf', () => {
  it('fills every default of a schema, nested sections included, and nothing else', () => {
    const d: ConfigOf<typeof slice> = defaultsOf(slice);
    expect(d).to.deep.equal({ worker: { pollMs: 1000, mode: 'auto' }, names: ['a', 'b'] });
  });

  it('returns one frozen object per schema', () => {
    const d = defaultsOf(slice);
    expect(defaultsOf(slice)).to.equal(d);
    expect(Object.isFrozen(d.worker)).to.equal(true);
    expect(Object.isFrozen(d.names)).to.equal(true);
  });

  it('refuses a schema whose empty object is not valid, naming the key', () => {
    const required = {
      type: 'object',
      required: ['url'],
      properties: { url: { type: 'string' } },
    } as const;
    expect(() => defaultsOf(required)).to.throw(ConfigError, /url: is required/);
  });
});
