/**
 * The one import point for @peculiar/x509: it needs the reflect-metadata
 * polyfill loaded first and Node's webcrypto as its provider.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
