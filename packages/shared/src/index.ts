export * from './recipe.ts';
export * from './api.ts';
export * from './auth.ts';
