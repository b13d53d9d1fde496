/**
 * `--smtp-url smtp[s]://[USER:PASS@]HOST[:PORT]` and `--smtp-from ADDR` for email notifications
 * (issue #19). The URL (it may carry a password) is better given as $DIRECTORD_SMTP_URL, which
 * process listings do not show.
 */
import { InvalidArgumentError, Option } from 'commander';

/** As the server's `notify.smtp` option takes it. */
export type SmtpSettings = Readonly<{ host: string; port: number; secure?: boolean; from: string; user?: string; pass?: string }>;

export type SmtpCliOptions = Readonly<{ smtpUrl?: SmtpSettings; smtpFrom?: string }>;

export function parseSmtpUrl(value: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected smtp://[USER:PASS@]HOST[:PORT] or smtps://…');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new InvalidArgumentError('expected an smtp:// or smtps:// URL');
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    from: `directord@${url.hostname}`,
    ...(url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {}),
  };
}

export const smtpUrlOption = (): Option =>
  new Option('--smtp-url <url>', 'SMTP server for email notifications: smtp[s]://[USER:PASS@]HOST[:PORT]')
    .env('DIRECTORD_SMTP_URL')
    .argParser(parseSmtpUrl);
export const smtpFromOption = (): Option =>
  new Option('--smtp-from <addr>', 'the From address of notification emails').env('DIRECTORD_SMTP_FROM');

export function smtpServerOptions(options: SmtpCliOptions): { notify?: { smtp: SmtpSettings } } {
  if (!options.smtpUrl) return {};
  return { notify: { smtp: { ...options.smtpUrl, ...(options.smtpFrom ? { from: options.smtpFrom } : {}) } } };
}
