import { compileServices } from './compiled-services';

/** Jest's global set-up (jest.config.js): see compiled-services.ts. */
export default function globalSetup(): void {
  compileServices();
}
