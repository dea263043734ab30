import { removeCompiledServices } from './compiled-services';

/** Jest's global tear-down (jest.config.js): see compiled-services.ts. */
export default function globalTeardown(): void {
  removeCompiledServices();
}
