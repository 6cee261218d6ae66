// Compiled by .ci/packaging with tsc --strict (module node16): the CommonJS entry's declarations.
import cozeMock = require('coze-mock');

export async function typed(): Promise<string> {
  const mock = await cozeMock.startCozeMock();
  // @ts-expect-error: token is a string
  const n: number = mock.token;
  await mock.stop();
  return cozeMock.DEFAULT_TOKEN + String(n);
}
