import { expect } from 'chai';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsOptional, ValidateNested } from 'class-validator';
import { Id, MAX_TEXT_LENGTH, Password, QueryInt, Text } from '../../../src/api/input/text-rules.js';
import { parseDto, parseQuery } from '../../../src/api/validation.js';
import { ValidationError, type FieldError } from '../../../src/domain/shared/errors.js';

// A DTO of a route yet to come: it gets the house rules by using the house decorators.
class NoteBody {
  @Text({ max: 20 })
  title!: string;

  @Text({ max: 20, optional: true })
  subtitle?: string;

  @Text({ max: 200, optional: true, multiline: true, blank: 'empty' })
  body: string = '';

  @Password({ min: 8, max: 64 })
  secret!: string;
}

class NotesQuery {
  @Text({ max: 20, optional: true, blank: 'absent' })
  tag?: string;

  @IsIn(['new', 'old'])
  @Text({ max: 10, optional: true, blank: 'absent' })
  sort?: string;

  @QueryInt({ min: 1, max: 100 })
  page: number = 1;

  @QueryInt({ min: 0, max: 1000, optional: true })
  minPrice?: number;
}

// Ids, at the top and nested in a list, as a subscription's items are.
class LineBody {
  @Id({ message: 'must be a note id' })
  noteId!: string;
}

class LinkBody {
  @Id({ message: 'must be a note id' })
  noteId!: string;

  @Id({ optional: true, blank: 'absent' })
  parentId?: string;

  @ValidateNested({ each: true })
  @Type(() => LineBody)
  @IsArray()
  @IsOptional()
  lines?: LineBody[];
}

const valid = { title: 'Hello', secret: 'correct-horse' };
const ID = '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b';

const errorsOf = async (act: () => Promise<unknown>): Promise<FieldError[]> => {
  try {
    await act();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a ValidationError');
};
const bodyErrors = (input: Record<string, unknown>) => errorsOf(() => parseDto(NoteBody, { ...valid, ...input }));
const queryErrors = (input: Record<string, unknown>) => errorsOf(() => parseQuery(NotesQuery, input));

describe('The house input rules', () => {
  describe('a text', () => {
    it('is trimmed and put in Unicode NFC', async () => {
      const note = await parseDto(NoteBody, { ...valid, title: '  Zoe\u0301 \t', subtitle: ' A\u030a ' });
      expect(note.title).to.equal('Zo\u00e9');
      expect(note.subtitle).to.equal('\u00c5');
    });

    it('refuses every control character: C0, DEL, C1, and the Unicode line separators', async () => {
      for (const char of ['\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u007f', '\u0080', '\u0085', '\u009f', '\u2028', '\u2029']) {
        expect(await bodyErrors({ title: `a${char}b` }), JSON.stringify(char)).to.deep.equal([
          { field: 'title', message: 'must not contain control characters' },
        ]);
      }
    });

    it('refuses the bidirectional controls that make a text display as another', async () => {
      for (const char of ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069']) {
        expect(await bodyErrors({ title: `ab${char}c` }), JSON.stringify(char)).to.deep.equal([
          { field: 'title', message: 'must not contain bidirectional control characters' },
        ]);
      }
    });

    it('keeps what real names need: letters of any script, emoji with joiners, non-joiners', async () => {
      const note = await parseDto(NoteBody, { ...valid, title: 'Zoë 李 😀\u200d🔥', subtitle: 'می\u200cخواهم' });
      expect(note.title).to.equal('Zoë 李 😀\u200d🔥');
    });

    it('refuses a lone surrogate', async () => {
      expect(await bodyErrors({ title: 'a\ud800b' })).to.deep.equal([{ field: 'title', message: 'must be well-formed Unicode' }]);
    });

    it('refuses a required or optional text that is blank after trimming, or null', async () => {
      expect(await bodyErrors({ title: ' \t\u00a0 ' })).to.deep.equal([{ field: 'title', message: 'must not be blank' }]);
      expect(await bodyErrors({ subtitle: '   ' })).to.deep.equal([{ field: 'subtitle', message: 'must not be blank' }]);
      expect(await bodyErrors({ subtitle: null })).to.deep.equal([{ field: 'subtitle', message: 'must be a string' }]);
      expect(await bodyErrors({ title: undefined })).to.deep.equal([{ field: 'title', message: 'is required' }]);
    });

    it('refuses a required or optional text with nothing visible in it: zero-width and other format characters, fillers, marks alone', async () => {
      for (const invisible of ['\u200b', '\u200c\u200d', '\u2060', '\u00ad', '\u3164', '\u115f', '\u2800', '\u{e0041}', '\ufff9', '\u0301', '\u180e', ' \u200b \u3164 ']) {
        expect(await bodyErrors({ title: invisible }), JSON.stringify(invisible)).to.deep.equal([{ field: 'title', message: 'must not be blank' }]);
        expect(await bodyErrors({ subtitle: invisible }), JSON.stringify(invisible)).to.deep.equal([{ field: 'subtitle', message: 'must not be blank' }]);
      }
      // Visible text keeps the format characters it needs (joiners in emoji and in scripts that use them).
      expect((await parseDto(NoteBody, { ...valid, title: '\u{1f469}\u200d\u{1f467}', subtitle: '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645' })).title).to.equal('\u{1f469}\u200d\u{1f467}');
    });

    it('counts its length after trimming', async () => {
      expect((await parseDto(NoteBody, { ...valid, title: `  ${'x'.repeat(20)}  ` })).title).to.have.length(20);
      expect(await bodyErrors({ title: 'x'.repeat(21) })).to.deep.equal([{ field: 'title', message: 'must be at most 20 characters' }]);
    });

    it('refuses one of any length over its limit with that limit, a huge one as sent (no general cap names another)', async () => {
      for (const length of [21, MAX_TEXT_LENGTH, MAX_TEXT_LENGTH + 1, 900_000]) {
        expect(await bodyErrors({ title: 'x'.repeat(length) }), String(length)).to.deep.equal([{ field: 'title', message: 'must be at most 20 characters' }]);
        // Line feeds that trimming would drop: up to the hard bound the text is cleaned, over it refused as sent.
        const body = `${'\n'.repeat(length - 1)}\u0000`;
        expect(await bodyErrors({ body }), String(length)).to.deep.equal([
          { field: 'body', message: body.length > MAX_TEXT_LENGTH ? 'must be at most 200 characters' : 'must not contain control characters' },
        ]);
        expect(await queryErrors({ tag: 'x'.repeat(length) }), String(length)).to.deep.equal([{ field: 'tag', message: 'must be at most 20 characters' }]);
      }
    });

    it('cannot be declared with a limit a huge value could fall under', () => {
      expect(() => Text({ max: MAX_TEXT_LENGTH / 2 })).not.to.throw();
      expect(() => Text({ max: MAX_TEXT_LENGTH / 2 + 1 })).to.throw(/MAX_TEXT_LENGTH/);
    });
  });

  describe('a multi-line text', () => {
    it('keeps line feeds and tabs, turning CR LF and CR into LF, and may be empty', async () => {
      expect((await parseDto(NoteBody, { ...valid, body: ' one\r\ntwo\rthree\n\tfour ' })).body).to.equal('one\ntwo\nthree\n\tfour');
      expect((await parseDto(NoteBody, { ...valid, body: '  ' })).body).to.equal('');
    });

    it('refuses every other control character', async () => {
      for (const char of ['\u0000', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085', '\u2028']) {
        expect(await bodyErrors({ body: `a${char}b` }), JSON.stringify(char)).to.deep.equal([
          { field: 'body', message: 'must not contain control characters' },
        ]);
      }
    });
  });

  describe('a password', () => {
    it('is taken exactly as typed: neither trimmed nor normalized', async () => {
      const secret = '  Zoe\u0301 horse  ';
      expect((await parseDto(NoteBody, { ...valid, secret })).secret).to.equal(secret);
    });

    it('refuses one over its limit with that limit, however long', async () => {
      for (const length of [65, MAX_TEXT_LENGTH + 1, 900_000]) {
        expect(await bodyErrors({ secret: 'x'.repeat(length) }), String(length)).to.deep.equal([{ field: 'secret', message: 'must be at most 64 characters' }]);
      }
    });

    it('refuses one that is blank, holds a control character or a lone surrogate', async () => {
      expect(await bodyErrors({ secret: ' '.repeat(8) })).to.deep.equal([{ field: 'secret', message: 'must not be blank' }]);
      expect(await bodyErrors({ secret: '\u200b'.repeat(8) })).to.deep.equal([{ field: 'secret', message: 'must not be blank' }]);
      expect(await bodyErrors({ secret: 'correct\u0000horse' })).to.deep.equal([{ field: 'secret', message: 'must not contain control characters' }]);
      expect(await bodyErrors({ secret: 'correct\thorse' })).to.deep.equal([{ field: 'secret', message: 'must not contain control characters' }]);
      expect(await bodyErrors({ secret: 'correct\ud800horse' })).to.deep.equal([{ field: 'secret', message: 'must be well-formed Unicode' }]);
    });
  });

  describe('an id', () => {
    it('is read in lower case, at the top and nested, so that one typed in upper case is the same id', async () => {
      const upper = ID.toUpperCase();
      const link = await parseDto(LinkBody, { noteId: ` ${upper} `, parentId: upper, lines: [{ noteId: upper }] });
      expect(link).to.deep.include({ noteId: ID, parentId: ID });
      expect(link.lines?.map((line) => line.noteId)).to.deep.equal([ID]);
      expect((await parseQuery(LinkBody, { noteId: upper })).noteId).to.equal(ID);
    });

    it('refuses what is no UUID with the message of its field, and takes a blank optional one as left out', async () => {
      const errors = (input: Record<string, unknown>) => errorsOf(() => parseDto(LinkBody, { noteId: ID, ...input }));
      expect(await errors({ noteId: 'note-1' })).to.deep.equal([{ field: 'noteId', message: 'must be a note id' }]);
      expect(await errors({ parentId: `${ID}0` })).to.deep.equal([{ field: 'parentId', message: 'must be a UUID' }]);
      expect(await errors({ lines: [{ noteId: 'x' }] })).to.deep.equal([{ field: 'lines.0.noteId', message: 'must be a note id' }]);
      expect(await errors({ noteId: `${ID}\u0000` })).to.deep.equal([{ field: 'noteId', message: 'must not contain control characters' }]);
      expect(await errors({ noteId: 'x'.repeat(MAX_TEXT_LENGTH + 1) })).to.deep.equal([{ field: 'noteId', message: 'must be at most 100 characters' }]);
      expect((await parseQuery(LinkBody, { noteId: ID, parentId: '  ' })).parentId).to.equal(undefined);
    });
  });

  describe('a query string', () => {
    it('reads plain decimal integers only', async () => {
      expect(await parseQuery(NotesQuery, { page: '007', minPrice: '-0' })).to.include({ page: 7, minPrice: 0 });
      for (const text of ['0x10', '0b1', '0o7', '1e3', '16.0', ' 16', '16 ', '+16', ' ', '1_000', 'NaN', 'Infinity', '\u0661\u0666']) {
        expect(await queryErrors({ minPrice: text }), JSON.stringify(text)).to.deep.equal([
          { field: 'minPrice', message: 'must be a whole number in decimal digits' },
        ]);
      }
      expect(await queryErrors({ page: '99999999999999999999' })).to.deep.equal([{ field: 'page', message: 'must be at most 100' }]);
      // Given empty (a form's field left empty), a number is no parameter: its default stands.
      const empty = await parseQuery(NotesQuery, { page: '', minPrice: '' });
      expect(empty.minPrice).to.equal(undefined);
      expect(empty.page).to.equal(new NotesQuery().page);
    });

    it('refuses a field given twice', async () => {
      expect(await queryErrors({ page: ['1', '2'], tag: ['a', 'b'] })).to.deep.equal([
        { field: 'page', message: 'must be given once' },
        { field: 'tag', message: 'must be given once' },
      ]);
    });

    it('takes a blank optional text as left out, and still refuses controls in it', async () => {
      const query = await parseQuery(NotesQuery, { tag: '  ', sort: '' });
      expect(query.tag).to.equal(undefined);
      expect(query.sort).to.equal(undefined);
      expect(await queryErrors({ tag: '\u0000' })).to.deep.equal([{ field: 'tag', message: 'must not contain control characters' }]);
    });

    it('checks a finer rule on the cleaned text, after the house rule', async () => {
      expect((await parseQuery(NotesQuery, { sort: ' new ' })).sort).to.equal('new');
      expect(await queryErrors({ sort: 'newest' })).to.deep.equal([{ field: 'sort', message: 'must be one of the following values: new, old' }]);
      expect(await queryErrors({ sort: 'ne\u202ew' })).to.deep.equal([{ field: 'sort', message: 'must not contain bidirectional control characters' }]);
    });

    it('refuses __proto__, constructor and prototype like any unknown field', async () => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        const query = Object.assign(Object.create(null) as Record<string, unknown>, { [key]: '1' });
        expect(await queryErrors(query)).to.deep.equal([{ field: key, message: 'should not exist' }]);
        expect(await errorsOf(() => parseDto(NoteBody, JSON.parse(`{"title":"a","secret":"correct-horse","${key}":{}}`)))).to.deep.equal([
          { field: key, message: 'should not exist' },
        ]);
      }
    });
  });
});
