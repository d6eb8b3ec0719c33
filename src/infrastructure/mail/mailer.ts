/**
 * The mail port. With SMTP_URL, messages go out over SMTP (SmtpMailer, nodemailer); without it,
 * the notifications collection itself is the local outbox and sending is a no-op.
 */

export type MailMessage = { id: string; to: string; subject: string; text: string };

export interface Mailer {
  readonly transport: 'smtp' | 'outbox';
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export class OutboxMailer implements Mailer {
  readonly transport = 'outbox';

  async send(): Promise<void> {}

  async close(): Promise<void> {}
}
