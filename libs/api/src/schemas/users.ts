import { ROLES } from '@isac/kernel';

export interface CreateUserBody {
  username: string;
  password?: string;
  roles: (typeof ROLES)[number][];
}

export interface UpdateUserBody {
  roles?: (typeof ROLES)[number][];
  password?: string;
  disabled?: boolean;
  /** Rejects every token issued so far (sign-out everywhere). */
  revokeTokens?: true;
  /** Clears a lockout after repeated failed logins. */
  unlock?: true;
}

/** An administrator's password reset: a given password, or a generated one answered once. */
export interface ResetPasswordBody {
  password?: string;
}

export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$';
const password = { type: 'string', minLength: 12, maxLength: 256 } as const;
const roles = {
  type: 'array',
  minItems: 1,
  maxItems: 4,
  uniqueItems: true,
  items: { type: 'string', enum: [...ROLES] },
} as const;

export const createUserSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'roles'],
  properties: {
    username: { type: 'string', pattern: USERNAME_PATTERN, description: 'login name, unique across the hub' },
    password: {
      ...password,
      description: 'at least 12 characters; a random one is generated and returned once when absent',
    },
    roles,
  },
} as const;

export const updateUserSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    roles,
    password,
    disabled: { type: 'boolean' },
    revokeTokens: { const: true },
    unlock: { const: true },
  },
} as const;

export const resetPasswordSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    password: {
      ...password,
      description: 'the new password; a random one is generated and returned once when absent',
    },
  },
} as const;

export const userSchema = {
  type: 'object',
  required: ['id', 'orgId', 'username', 'roles', 'disabled', 'createdAt'],
  properties: {
    id: { type: 'string' },
    orgId: { type: 'string' },
    username: { type: 'string' },
    roles: roles,
    disabled: { type: 'boolean' },
    lockedUntil: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;
