import { expect } from 'chai';
import { getMetadataStorage } from 'class-validator';
import { readdirSync } from 'node:fs';
import { ID_RULE, INPUT_RULE } from '../../../src/api/input/text-rules.js';

/** Every module of src/api/dto, found on disk: a DTO file added later is checked too. */
const DTO_DIRECTORY = new URL('../../../src/api/dto/', import.meta.url);
const MODULES: unknown[] = [];

/** Every DTO class of src/api/dto with its validated properties and their declared types. */
const properties = () =>
  MODULES.flatMap((module) =>
    Object.values(module as Record<string, unknown>)
      .filter((value): value is new () => object => typeof value === 'function' && value.prototype !== undefined)
      .flatMap((dto) => {
        const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
        const names = new Set(metadata.map((m) => m.propertyName));
        return [...names].map((name) => ({
          dto: dto.name,
          name,
          type: Reflect.getMetadata('design:type', dto.prototype, name) as unknown,
          ruled: Reflect.getMetadata(INPUT_RULE, dto.prototype, name) === true,
          id: Reflect.getMetadata(ID_RULE, dto.prototype, name) === true,
          uuid: metadata.some((m) => m.propertyName === name && m.name === 'isUuid'),
        }));
      }),
  );

describe('The DTOs of src/api/dto', () => {
  before(async () => {
    const files = readdirSync(DTO_DIRECTORY).filter((file) => file.endsWith('.js'));
    MODULES.push(...(await Promise.all(files.map((file) => import(new URL(file, DTO_DIRECTORY).href)))));
    expect(files).to.include.members(['accounts.js', 'admin.js', 'catalog.js', 'orders.js']);
  });

  it('give every text field the house rules (Text or Password)', () => {
    const texts = properties().filter((p) => p.type === String);
    expect(texts.map((p) => `${p.dto}.${p.name}`)).to.include.members(['RegisterBody.name', 'AddressBody.line1', 'AdjustmentBody.reason', 'PaymentMethodBody.token', 'ChangeRoleBody.role']);
    expect(texts.filter((p) => !p.ruled).map((p) => `${p.dto}.${p.name}`)).to.deep.equal([]);
  });

  it('read every id with the Id rule (in lower case): every UUID field, every text field named …Id but the carrier\'s own', () => {
    const notOurs = ['CarrierEventBody.eventId'];
    const ids = properties().filter((p) => p.uuid || (p.type === String && p.name.endsWith('Id') && !notOurs.includes(`${p.dto}.${p.name}`)));
    expect(ids.map((p) => `${p.dto}.${p.name}`)).to.include.members([
      'AddCartItemBody.productId', 'SubmitReviewBody.productId', 'ListReviewsQuery.productId', 'RecommendationsQuery.productId',
      'PaymentMethodBody.paymentMethodId', 'CreateSubscriptionBody.paymentMethodId', 'ListOrdersQuery.customerId', 'CarrierEventBody.shipmentId',
    ]);
    expect(ids.filter((p) => !p.id).map((p) => `${p.dto}.${p.name}`)).to.deep.equal([]);
  });

  it('read every number of a query string with QueryInt', () => {
    const numbers = properties().filter((p) => p.dto.endsWith('Query') && p.type === Number);
    expect(numbers.map((p) => `${p.dto}.${p.name}`)).to.include.members(['CatalogFilterQuery.minPrice', 'PageQuery.page']);
    expect(numbers.filter((p) => !p.ruled).map((p) => `${p.dto}.${p.name}`)).to.deep.equal([]);
  });
});
