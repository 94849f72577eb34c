export * from './recipe.ts';
export * from './api.ts';
