/**
 * What the CA takes from a workload CSR: its public key, and nothing else.
 * The key must be ECDSA P-256 and the CSR's signature must verify with it
 * (proof that the asker holds the private key). Subject, SANs and requested
 * extensions are ignored: the certificate's identity comes from the
 * authorization decision, never from the CSR.
 */
import { x509 } from '../../core/x509.js';
import { CsrRejectedError } from './ca-errors.js';

/** A CSR is a few hundred bytes; anything much larger is not one of ours. */
const maxCsrBytes = 16 * 1024;

export async function workloadCsrKey(csrPem: string): Promise<x509.PublicKey> {
  if (csrPem.length > maxCsrBytes) throw new CsrRejectedError(`the CSR is ${csrPem.length} bytes; at most ${maxCsrBytes}`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    const blocks = x509.PemConverter.decodeWithHeaders(csrPem);
    if (blocks.length !== 1 || blocks[0]!.type !== 'CERTIFICATE REQUEST') throw new Error('expected exactly one CERTIFICATE REQUEST PEM block');
    csr = new x509.Pkcs10CertificateRequest(blocks[0]!.rawData);
  } catch (error) {
    throw new CsrRejectedError(`not a PEM PKCS#10 CSR: ${(error as Error).message}`, { cause: error });
  }
  const algorithm = csr.publicKey.algorithm as EcKeyAlgorithm;
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    const what = algorithm.namedCurve ? `${algorithm.name} ${algorithm.namedCurve}` : algorithm.name;
    throw new CsrRejectedError(`the CSR's key is ${what}; workload keys must be ECDSA P-256`);
  }
  let verified = false;
  try {
    verified = await csr.verify();
  } catch (error) {
    throw new CsrRejectedError(`the CSR's signature cannot be checked: ${(error as Error).message}`, { cause: error });
  }
  if (!verified) throw new CsrRejectedError("the CSR's signature does not verify with its key");
  return csr.publicKey;
}
