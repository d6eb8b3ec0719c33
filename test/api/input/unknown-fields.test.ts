import { expect } from 'chai';
import { LoginBody } from '../../../src/api/dto/accounts.js';
import { ValidationError } from '../../../src/domain/shared/errors.js';
import { parseDto } from '../../../src/api/validation.js';

describe('A DTO refusing unknown fields', () => {
  it('names each unknown field without the transformer walking what it holds (the shape check reads it once, nothing after)', async () => {
    let reads = 0;
    const inner = Object.defineProperty({}, 'deep', { enumerable: true, get: () => (reads += 1, [1, 2, 3]) });
    const refusal = await parseDto(LoginBody, { email: 'a@b.c', password: 'password-1', extra: { inner }, more: [1, 2] }).then(() => undefined, (error: unknown) => error);
    expect(refusal).to.be.instanceOf(ValidationError);
    expect((refusal as ValidationError).errors).to.deep.equal([
      { field: 'extra', message: 'should not exist' },
      { field: 'more', message: 'should not exist' },
    ]);
    expect(reads).to.equal(1);
  });
});
