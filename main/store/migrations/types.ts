export interface Migration {
  /** The `PRAGMA user_version` the database has once this step is applied. */
  version: number;
  name: string;
  /** SQL run inside the migration's transaction. */
  up: string;
}
