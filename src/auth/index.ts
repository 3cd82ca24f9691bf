/**
 * Users, nodes and tokens: the public face of src/auth. See types.ts for the terminology.
 */
export { CAPABILITIES, ROLES, type Capability, type IssuedToken, type NodeInfo, type TokenInfo, type TokenOwner, type UserInfo } from './types.ts';
export { checkRole, InvalidValueError } from './errors.ts';
export { hashSecret, newSecret, SECRET_PREFIX } from './secrets.ts';
export { createUser, findUser, getUser, listUsers, setUserRole } from './users.ts';
export { createToken, getToken, issueUserToken, listTokens, lookupToken, revokeToken } from './tokens.ts';
export { createNodeToken, getNode, listNodes, MAX_NODE_CONCURRENCY, replaceNodeToken, updateNode, type NodeChanges, type NodeSpec } from './nodes.ts';
export { ADMIN_TOKEN_FILE, ADMIN_USER, ensureAdmin, type AdminBootstrap } from './bootstrap.ts';
