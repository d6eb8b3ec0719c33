import nodemailer from 'nodemailer';
import type { MailMessage, Mailer } from './mailer.js';

/**
 * How long a send waits on the mail server, each step (nodemailer's defaults are 2 min to
 * connect, 30 s for the greeting and 10 min of silence; the greeting's wait ends with the
 * connection's): a server that accepts and never answers holds a mail slot
 * (src/processes/job-lanes.ts) for at most about 70 s, inside the job's claim (120 s at
 * least), and the message goes back to `pending` and is tried again.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 };

/** Mail over SMTP (SMTP_URL), one message per fact. */
export class SmtpMailer implements Mailer {
  readonly transport = 'smtp';
  private readonly transporter;

  constructor(
    url: string,
    private readonly from: string,
    timeouts: Partial<typeof SMTP_TIMEOUTS> = {},
  ) {
    // Settings in the URL's query (?greetingTimeout=...) still win over these.
    this.transporter = nodemailer.createTransport({ url, ...SMTP_TIMEOUTS, ...timeouts });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      // A stable Message-ID per fact: the receiving side can recognise a repeat.
      messageId: `<${message.id}@shop-backend>`,
    });
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
