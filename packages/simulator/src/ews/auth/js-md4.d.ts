/** Types for js-md4 (the package ships none): only what the NTLM verifier uses. */
declare module 'js-md4' {
  interface Md4 {
    (message: string | ArrayBuffer | Uint8Array): string;
    arrayBuffer(message: string | ArrayBuffer | Uint8Array): ArrayBuffer;
  }
  const md4: Md4;
  export default md4;
}
