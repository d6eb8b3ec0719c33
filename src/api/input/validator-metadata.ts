import { getMetadataStorage, type MetadataStorage } from 'class-validator';

/**
 * class-validator looks up a class's rules anew on every validate(): it filters the rules of
 * the class and walks every class it knows to find those it inherits from (an `instanceof` per
 * DTO class of the app), then groups them by property. The rules only change when a decorator
 * registers one (a class is defined), so the lookups are kept per class here, and dropped
 * whenever a rule or constraint is registered. Only lookups without validation groups are
 * kept (the shop validates without groups); the rest go to class-validator as before. The
 * arrays handed out are class-validator's own answers, which it only reads.
 */

type Rules = ReturnType<MetadataStorage['getTargetValidationMetadatas']>;
type Grouped = ReturnType<MetadataStorage['groupByPropertyName']>;

const MEMOIZED = Symbol.for('shop.validator-metadata.memoized');

export const memoizeValidationMetadata = (storage: MetadataStorage = getMetadataStorage()): void => {
  const marked = storage as MetadataStorage & { [MEMOIZED]?: true };
  if (marked[MEMOIZED]) return;
  marked[MEMOIZED] = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const addValidation = storage.addValidationMetadata.bind(storage);
  const addConstraint = storage.addConstraintMetadata.bind(storage);
  const addSchema = storage.addValidationSchema.bind(storage);
  // Per class, then per schema name and the two flags.
  let targets = new WeakMap<object, Map<string, Rules>>();
  let groupings = new WeakMap<Rules, Grouped>();
  const forget = () => {
    targets = new WeakMap();
    groupings = new WeakMap();
  };

  storage.getTargetValidationMetadatas = (targetConstructor, targetSchema, always, strictGroups, groups) => {
    if ((groups && groups.length > 0) || typeof targetConstructor !== 'function') return lookup(targetConstructor, targetSchema, always, strictGroups, groups);
    let byOptions = targets.get(targetConstructor);
    if (!byOptions) targets.set(targetConstructor, (byOptions = new Map()));
    const key = `${String(targetSchema)}\n${always}\n${strictGroups}\n${groups === undefined ? 'u' : 'e'}`;
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup(targetConstructor, targetSchema, always, strictGroups, groups)));
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    let grouped = groupings.get(metadata);
    if (!grouped) groupings.set(metadata, (grouped = group(metadata)));
    return grouped;
  };
  storage.addValidationMetadata = (metadata) => {
    forget();
    addValidation(metadata);
  };
  storage.addConstraintMetadata = (metadata) => {
    forget();
    addConstraint(metadata);
  };
  storage.addValidationSchema = (schema) => {
    forget();
    addSchema(schema);
  };
};
