import nodemailer from 'nodemailer';

/**
 * The mail port. With SMTP_URL, messages go out over SMTP (nodemailer); without it, the
 * notifications collection itself is the local outbox and sending is a no-op.
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

export class SmtpMailer implements Mailer {
  readonly transport = 'smtp';
  private readonly transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transporter = nodemailer.createTransport(url);
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
