import nodemailer from 'nodemailer';
import type { MailMessage, Mailer } from './mailer.js';

/** Mail over SMTP (SMTP_URL), one message per fact. */
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
