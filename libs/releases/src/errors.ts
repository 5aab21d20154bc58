/** The app a release was asked for is gone (deleted while it was being built, say). */
export class AppGoneError extends Error {
  constructor(appId: string) {
    super(`app ${appId} no longer exists`);
  }
}
