import { expect } from 'chai';
import { IsInt, IsString, Min, registerDecorator, validate } from 'class-validator';
import { parseDto } from '../../../src/api/validation.js';

/** The class-validator lookups kept per class (validator-metadata.ts) follow every rule registered, before or after. */

const errorsOf = async (value: object) => (await validate(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true })).map((e) => [e.property, Object.keys(e.constraints ?? {}).sort()]);

describe('Validation rules kept per DTO class', () => {
  it('applies the rules of a class and those it inherits, each lookup alike', async () => {
    class Base {
      @IsString() name!: string;
    }
    class Derived extends Base {
      @IsInt() @Min(1) quantity!: number;
    }
    for (let i = 0; i < 3; i += 1) {
      expect(await errorsOf(Object.assign(new Derived(), { name: 5, quantity: 0 }))).to.deep.equal([['quantity', ['min']], ['name', ['isString']]]);
      expect(await errorsOf(Object.assign(new Base(), { name: 5, quantity: 0 }))).to.deep.equal([['quantity', ['whitelistValidation']], ['name', ['isString']]]);
      expect(await errorsOf(Object.assign(new Derived(), { name: 'x', quantity: 2 }))).to.deep.equal([]);
    }
  });

  it('sees a rule registered on a class after the class was validated', async () => {
    class Late {
      @IsString() name!: string;
    }
    expect(await errorsOf(Object.assign(new Late(), { name: 'ab' }))).to.deep.equal([]);
    registerDecorator({ target: Late, propertyName: 'name', name: 'longerThanTwo', validator: { validate: (value: unknown) => typeof value === 'string' && value.length > 2 } });
    expect(await errorsOf(Object.assign(new Late(), { name: 'ab' }))).to.deep.equal([['name', ['longerThanTwo']]]);
    class Child extends Late {}
    expect(await errorsOf(Object.assign(new Child(), { name: 'ab' }))).to.deep.equal([['name', ['longerThanTwo']]]);
  });

  it('leaves parseDto answering as before: unknown fields and wrong types named', async () => {
    class Body {
      @IsInt() quantity!: number;
    }
    const problem = await parseDto(Body, { quantity: '5', extra: 1 }).catch((error: unknown) => error as { details?: unknown });
    expect(JSON.stringify(problem)).to.match(/quantity/).and.match(/extra/);
    expect(await parseDto(Body, { quantity: 5 })).to.deep.equal(Object.assign(new Body(), { quantity: 5 }));
  });
});
