import { expect } from 'chai';
import { duplicateName } from '../../../src/api/input/json-duplicates.js';

describe('A name given twice in one JSON object', () => {
  it('is named with the path to its object, at any depth', () => {
    expect(duplicateName('{"sku":"A","name":"n","sku":"B"}')).to.deep.equal({ field: 'sku', message: 'appears twice in one object (each field once)' });
    expect(duplicateName('{"shippingAddress":{"line1":"a","city":"c","line1":"b"}}')?.field).to.equal('shippingAddress.line1');
    expect(duplicateName('{"items":[{"productId":"p","quantity":1},{"quantity":1,"quantity":2}]}')?.field).to.equal('items[1].quantity');
    expect(duplicateName('[{"a":1,"a":1}]')?.field).to.equal('body[0].a');
  });

  it('is found when the two are spelled differently but decode alike', () => {
    expect(duplicateName('{"x":1,"\\u0078":2}')?.field).to.equal('x');
  });

  it('is no duplicate in another object, nor as a value, nor in sibling objects', () => {
    expect(duplicateName('{"a":{"a":1},"b":"a","c":[{"k":1},{"k":2}],"d":{"k":1}}')).to.equal(undefined);
    expect(duplicateName('{"text":"\\"a\\":1,\\"a\\":2"}')).to.equal(undefined);
    expect(duplicateName('{}')).to.equal(undefined);
  });
});
