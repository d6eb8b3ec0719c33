import { Password } from '../input/text-rules.js';

/** Erasing one's own account takes the password again: a token left on a shared machine must not be enough. */
export class EraseAccountBody {
  @Password({ max: 128 })
  password!: string;
}
