// A bare node:https request (the benchmarks' lowest-level client): resolves to status and text.
import https from 'node:https';

export function request(agent, url, options = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { agent, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
