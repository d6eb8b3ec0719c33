import { ConfigError, type Config } from '../config.js';
import { ValidationError } from '../domain/shared/errors.js';
import { RegisterBody } from './dto/accounts.js';
import { parseDto } from './validation.js';

/** The environment variable each field of the admin's registration comes from. */
const VARIABLES: Record<string, string> = { email: 'ADMIN_EMAIL', password: 'ADMIN_PASSWORD' };

/**
 * ADMIN_EMAIL and ADMIN_PASSWORD, checked by the rules registration checks its body with (the
 * admin is registered as any account is): refused before anything is opened, naming the variable,
 * rather than failing with the admin's registration once the stores are open.
 */
export const checkAdminAccount = async (config: Pick<Config, 'adminEmail' | 'adminPassword'>): Promise<void> => {
  const { adminEmail: email, adminPassword: password } = config;
  if (email === undefined && password === undefined) return;
  if (email === undefined || password === undefined) throw new ConfigError(`ADMIN_EMAIL and ADMIN_PASSWORD must be set together (only ${email === undefined ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'} is)`);
  try {
    await parseDto(RegisterBody, { email, password, name: 'Administrator' });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const refused = error.errors.map(({ field, message }) => `${VARIABLES[field] ?? field} ${message}`);
    throw new ConfigError(`${refused.join('; ')} (the rules of registration)`);
  }
};
