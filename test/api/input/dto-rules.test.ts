import { expect } from 'chai';
import { getMetadataStorage } from 'class-validator';
import * as accounts from '../../../src/api/dto/accounts.js';
import * as audit from '../../../src/api/dto/audit.js';
import * as catalog from '../../../src/api/dto/catalog.js';
import * as discovery from '../../../src/api/dto/discovery.js';
import * as inventory from '../../../src/api/dto/inventory.js';
import * as orders from '../../../src/api/dto/orders.js';
import * as paging from '../../../src/api/dto/paging.js';
import { INPUT_RULE } from '../../../src/api/input/text-rules.js';

const MODULES = { accounts, audit, catalog, discovery, inventory, orders, paging };

/** Every DTO class of src/api/dto with its validated properties and their declared types. */
const properties = () =>
  Object.values(MODULES).flatMap((module) =>
    Object.values(module as Record<string, unknown>)
      .filter((value): value is new () => object => typeof value === 'function' && value.prototype !== undefined)
      .flatMap((dto) => {
        const names = new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((m) => m.propertyName));
        return [...names].map((name) => ({
          dto: dto.name,
          name,
          type: Reflect.getMetadata('design:type', dto.prototype, name) as unknown,
          ruled: Reflect.getMetadata(INPUT_RULE, dto.prototype, name) === true,
        }));
      }),
  );

describe('The DTOs of src/api/dto', () => {
  it('give every text field the house rules (Text or Password)', () => {
    const texts = properties().filter((p) => p.type === String);
    expect(texts.map((p) => `${p.dto}.${p.name}`)).to.include.members(['RegisterBody.name', 'AddressBody.line1', 'AdjustmentBody.reason', 'PaymentMethodBody.token']);
    expect(texts.filter((p) => !p.ruled).map((p) => `${p.dto}.${p.name}`)).to.deep.equal([]);
  });

  it('read every number of a query string with QueryInt', () => {
    const numbers = properties().filter((p) => p.dto.endsWith('Query') && p.type === Number);
    expect(numbers.map((p) => `${p.dto}.${p.name}`)).to.include.members(['CatalogFilterQuery.minPrice', 'PageQuery.page']);
    expect(numbers.filter((p) => !p.ruled).map((p) => `${p.dto}.${p.name}`)).to.deep.equal([]);
  });
});
