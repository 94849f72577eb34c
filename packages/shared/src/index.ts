export * from './recipe.ts';
export * from './api.ts';
export * from './auth.ts';
export * from './shares.ts';
export * from './bundle.ts';
export * from './provenance.ts';
export * from './queue.ts';
