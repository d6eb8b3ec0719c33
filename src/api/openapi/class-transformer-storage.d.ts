// class-transformer ships its metadata storage as a module without types of its own; it is
// the instance its decorators write to, which class-validator-jsonschema reads nested types from.
declare module 'class-transformer/cjs/storage.js' {
  import type { MetadataStorage } from 'class-transformer/types/MetadataStorage.js';
  export const defaultMetadataStorage: MetadataStorage;
}
