import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '@isac/kernel';

/** The `tls` section of every process's configuration (libs/config, ADR 0037). */
export interface TlsSettings {
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly caFile?: string | undefined;
}

/** A server certificate and its key, read and checked at start; what node's `tls` options take. */
export interface TlsMaterial {
  /** The certificate, then the intermediate certificates of tls.caFile: the chain a client is sent. */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The certificate's subject and expiry, for the banner. */
  readonly subject: string;
  readonly validTo: string;
}

/** A file named by a setting: where it is set, for messages. */
interface Named {
  readonly file: string;
  /** `tls.keyFile (ISAC_TLS_KEY_FILE)` */
  readonly setting: string;
}

const SETTINGS = {
  certFile: 'tls.certFile (ISAC_TLS_CERT_FILE)',
  keyFile: 'tls.keyFile (ISAC_TLS_KEY_FILE)',
  caFile: 'tls.caFile (ISAC_TLS_CA_FILE)',
} as const;

function unusable(f: Named, problem: string, todo: string, ja: string): StartupError {
  return new StartupError(
    `the TLS file ${f.file} set by ${f.setting} ${problem}: ${todo}`,
    `TLS ファイル ${f.file}（設定 ${f.setting}）${ja}`,
  );
}

function read(f: Named): Buffer {
  try {
    return readFileSync(path.resolve(f.file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw unusable(
      f,
      `cannot be read (${code})`,
      'check the path, and that the file is readable by the user the hub runs as',
      'を読み込めません。パスと、ハブを実行するユーザーの読み取り権限を確認してください。',
    );
  }
}

/** Every certificate of a PEM file (a chain or a CA bundle); refused, naming the file, when there is none or one is broken. */
export function readCertificates(file: string, setting: string): { pem: Buffer; certs: X509Certificate[] } {
  const f = { file, setting };
  const pem = read(f);
  const blocks = pem
    .toString('latin1')
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  const todo =
    'give a PEM file holding "-----BEGIN CERTIFICATE-----" blocks (convert DER with openssl x509 -inform der -in FILE -out FILE.pem)';
  const ja = 'に PEM 形式の証明書がありません。PEM 形式のファイルを指定してください。';
  if (!blocks) throw unusable(f, 'holds no PEM certificate', todo, ja);
  try {
    return { pem, certs: blocks.map((b) => new X509Certificate(b)) };
  } catch (err) {
    throw unusable(f, `holds a certificate that cannot be parsed (${(err as Error).message})`, todo, ja);
  }
}

/**
 * The server certificate and key of `settings`, read and checked now (a missing, unreadable or
 * broken file, or a key that is not the certificate's, stops the start naming the file), or
 * undefined when neither certFile nor keyFile is set.
 */
export function readTlsMaterial(settings: TlsSettings): TlsMaterial | undefined {
  const { certFile, keyFile, caFile } = settings;
  if (certFile === undefined && keyFile === undefined) {
    if (caFile !== undefined)
      throw new StartupError(
        `${SETTINGS.caFile} is set without a certificate: set ${SETTINGS.certFile} and ${SETTINGS.keyFile} too, or remove it`,
        'TLS の CA ファイルだけが設定されています。証明書と鍵のファイルも設定してください。',
      );
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    const [set, missing] =
      certFile === undefined ? [SETTINGS.keyFile, SETTINGS.certFile] : [SETTINGS.certFile, SETTINGS.keyFile];
    throw new StartupError(
      `${set} is set but ${missing} is not: TLS needs both the certificate and its private key`,
      'TLS には証明書と秘密鍵の両方のファイルが必要です。',
    );
  }
  const certNamed = { file: certFile, setting: SETTINGS.certFile };
  const keyNamed = { file: keyFile, setting: SETTINGS.keyFile };
  const { pem: cert, certs } = readCertificates(certFile, SETTINGS.certFile);
  const keyPem = read(keyNamed);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw unusable(
      keyNamed,
      `is not an unencrypted PEM private key (${(err as Error).message})`,
      'give the PEM private key of the certificate, without a passphrase (openssl pkey -in KEY -out KEY.pem)',
      'は暗号化されていない PEM 形式の秘密鍵ではありません。パスフレーズなしの秘密鍵を指定してください。',
    );
  }
  const leaf = certs[0]!;
  if (!leaf.checkPrivateKey(key))
    throw unusable(
      keyNamed,
      `is not the private key of the certificate ${certFile}`,
      `give the key the certificate was issued for (compare openssl x509 -noout -pubkey -in ${certFile} with openssl pkey -pubout -in ${keyFile})`,
      `は証明書 ${certFile} の秘密鍵ではありません。対応する鍵を指定してください。`,
    );
  if (Date.parse(leaf.validTo) < Date.now())
    throw unusable(
      certNamed,
      `expired on ${leaf.validTo}`,
      'renew the certificate',
      `の証明書は ${leaf.validTo} に期限切れです。更新してください。`,
    );
  const chain = caFile === undefined ? undefined : readCertificates(caFile, SETTINGS.caFile).pem;
  return {
    cert: chain ? Buffer.concat([cert, Buffer.from('\n'), chain]) : cert,
    key: keyPem,
    subject: leaf.subject.replace(/\n/g, ', '),
    validTo: leaf.validTo,
  };
}
