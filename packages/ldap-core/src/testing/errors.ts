/** Why a test directory could not be started; `code` is stable, `message` says what to do. */
export class TestDirectoryError extends Error {
  override readonly name = 'TestDirectoryError';
  constructor(
    readonly code:
      | 'NO_BACKEND'
      | 'ENGINE_UNAVAILABLE'
      | 'BASE_IMAGE_MISSING'
      | 'IMAGE_BUILD_FAILED'
      | 'START_FAILED'
      | 'BAD_OPTIONS',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
