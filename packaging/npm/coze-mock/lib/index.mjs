// ES module entry: the implementation is lib/index.cjs, written once.
import cjs from './index.cjs';

export const { startCozeMock, connectCozeMock, findBinary, DEFAULT_TOKEN, PLATFORM_PACKAGES } = cjs;
