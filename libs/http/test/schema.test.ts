import { expect } from 'chai';
import { ValidationError } from '@isac/kernel';
import { validateInput } from '../src/schema.js';

const schema = {
  type: 'object',
  properties: {
    sector: { type: 'string', enum: ['finance', 'telecom'] },
    region: { enum: ['JP-13', null] },
  },
} as const;

function failure(value: unknown): ValidationError {
  try {
    validateInput(schema, value);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('validateInput: a value outside a fixed list', () => {
  it('names the allowed values in the message and carries them in the details', () => {
    const err = failure({ sector: 'banking' });
    expect(err.message).to.equal('invalid request body: sector must be one of: finance, telecom');
    expect(err.details).to.deep.equal([
      {
        path: '/sector',
        message: 'sector must be one of: finance, telecom',
        rule: 'enum',
        allowedValues: ['finance', 'telecom'],
      },
    ]);
  });

  it('says when null clears the field', () => {
    const [d] = failure({ region: 'Tokyo' }).details;
    expect(d?.message).to.equal('region must be one of: JP-13 (or null to clear it)');
    expect(d?.allowedValues).to.deep.equal(['JP-13', null]);
  });
});
