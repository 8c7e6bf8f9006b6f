// A local OpenID Connect provider standing in for a national eID, built on node-oidc-provider.
//
//   node server.mjs CONFIG.json
//
// CONFIG.json (paths are relative to the file):
//   issuer, host (default 127.0.0.1), port, mode ("demo" | "test"), title,
//   clients: [{client_id, redirect_uris, post_logout_redirect_uris, jwks}]  (private_key_jwt),
//   acr_values: ["...low", "...substantial", "...high"], acr_labels: {acr: "label"},
//   id_token_ttl (seconds), accounts_file, national_id_claim, country_claim,
//   subject_salt, signing_keys_file (optional: generated once with mode 0600), cookie_prefix,
//   claims_in_id_token (default true; false: profile and eid claims only at userinfo).
// Accounts file: [{id, national_id, country, given_name, family_name, birthdate, sub?, names?}].
// "demo" mode shows a page where anyone may search the accounts and sign in as one, choosing the
// level; "test" mode shows a plain form (account id + acr) for tests driving it over HTTP.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { URL } from 'node:url';

import Provider from 'oidc-provider';

const MAX_BODY_BYTES = 16 * 1024;
const SEARCH_LIMIT = 20;

function fail(message) {
  console.error(`eid-provider: ${message}`);
  process.exit(2);
}

const configPath = process.argv[2];
if (!configPath) fail('usage: node server.mjs CONFIG.json');
const configDir = path.dirname(path.resolve(configPath));
const resolvePath = (p) => path.resolve(configDir, p);
let config;
try {
  config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
} catch (error) {
  fail(`cannot read ${configPath}: ${error.message}`);
}

const issuer = config.issuer;
const host = config.host || '127.0.0.1';
const port = Number(config.port ?? new URL(issuer).port);
const mode = config.mode || 'test';
const title = config.title || 'eID';
const acrValues = config.acr_values || [];
const acrLabels = config.acr_labels || {};
const nationalIdClaim = config.national_id_claim || 'national_id';
const countryClaim = config.country_claim || 'country';
const subjectSalt = config.subject_salt || issuer;
const cookiePrefix = config.cookie_prefix || 'op';
if (!issuer || !Number.isInteger(port)) fail('config needs issuer and port');
if (!['demo', 'test'].includes(mode)) fail(`unknown mode ${mode}`);
if (!acrValues.length) fail('config needs acr_values');

// Accounts: the provider's subject is opaque and stable per provider (an HMAC of the account id
// under this provider's salt) unless the account names one itself.
const accounts = JSON.parse(fs.readFileSync(resolvePath(config.accounts_file), 'utf8'));
const bySubject = new Map();
const byId = new Map();
const fold = (text) => String(text || '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
for (const account of accounts) {
  const id = String(account.id);
  const sub = account.sub || crypto.createHmac('sha256', subjectSalt).update(id).digest('base64url').slice(0, 32);
  const entry = { ...account, id, sub, search: fold([account.family_name, account.given_name, ...(account.names || [])].join(' ')) };
  bySubject.set(sub, entry);
  byId.set(id, entry);
}

function signingKeys() {
  const generate = () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    return { keys: [{ ...jwk, kid: crypto.randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' }] };
  };
  if (!config.signing_keys_file) return generate();
  const file = resolvePath(config.signing_keys_file);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const jwks = generate();
  fs.writeFileSync(file, JSON.stringify(jwks), { mode: 0o600 });
  return jwks;
}

const escapeHtml = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c;line-height:1.4}
header{background:#0b0c0c;color:#fff;padding:12px 24px;font-weight:700}main{max-width:60rem;margin:0 auto;padding:24px}
label,legend{font-weight:700;display:block;margin-bottom:4px}input[type=search],input[type=text]{font-size:1.1rem;padding:6px;border:2px solid #0b0c0c;width:20rem;max-width:100%}
button{font-size:1rem;padding:8px 12px;background:#00703c;color:#fff;border:0;box-shadow:0 2px 0 #002d18;cursor:pointer;margin:4px 0}
button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
:focus{outline:3px solid #fd0;outline-offset:0}table{border-collapse:collapse;width:100%;margin-top:12px}
th,td{text-align:left;padding:8px;border-bottom:1px solid #b1b4b6;vertical-align:top}.hint{color:#505a5f}
fieldset{border:0;padding:0;margin:0 0 16px}form[role=search]{margin-bottom:24px}.warning{border-left:6px solid #d4351c;padding:8px 12px;margin-bottom:16px}`;

function page(titleText, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(titleText)} – ${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body><header>${escapeHtml(title)}</header><main id="main">${body}</main></body></html>`;
}

function send(res, status, html, headers = {}) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' *; frame-ancestors 'none'",
    ...headers,
  });
  res.end(html);
}

async function readForm(req) {
  const type = req.headers['content-type'] || '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    const error = new Error('form expected');
    error.status = 415;
    throw error;
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      const error = new Error('form too large');
      error.status = 413;
      throw error;
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function levelChoices(requested) {
  const preferred = acrValues.includes(requested) ? requested : acrValues[acrValues.length - 1];
  return `<fieldset><legend>Level of assurance to assert</legend>
${acrValues.map((acr, i) => `<div><input type="radio" id="acr-${i}" name="acr" value="${escapeHtml(acr)}"${acr === preferred ? ' checked' : ''}>
<label for="acr-${i}" style="display:inline;font-weight:400">${escapeHtml(acrLabels[acr] || acr)}</label></div>`).join('\n')}</fieldset>`;
}

function abortForm(uid) {
  return `<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit" class="secondary">Cancel and go back</button></form>`;
}

function demoLoginPage(uid, details, query, error) {
  const folded = fold(query).trim();
  const words = folded.split(/\s+/).filter(Boolean);
  const matches = [];
  for (const account of byId.values()) {
    if (matches.length >= SEARCH_LIMIT) break;
    if (!folded || account.national_id.startsWith(query.trim()) || (words.length && words.every((w) => account.search.includes(w)))) {
      matches.push(account);
    }
  }
  const requested = (details.params.acr_values || '').split(' ')[0];
  const rows = matches.map((a) => `<tr><td>${escapeHtml(a.family_name)} ${escapeHtml(a.given_name)}</td>
<td>${escapeHtml(a.national_id)} (${escapeHtml(String(a.country).toUpperCase())})</td><td>${escapeHtml(a.birthdate)}</td>
<td><button type="submit" name="account" value="${escapeHtml(a.id)}">Sign in as<span style="position:absolute;left:-9999px"> ${escapeHtml(a.family_name)} ${escapeHtml(a.given_name)}</span></button></td></tr>`).join('\n');
  const body = `${error ? `<div class="warning" role="alert">${escapeHtml(error)}</div>` : ''}
<h1>Sign in with the demo eID</h1>
<p class="warning"><strong>Demo only.</strong> Anyone may sign in here as any synthetic person; no real person is shown.</p>
<form method="get" action="/interaction/${escapeHtml(uid)}" role="search">
<label for="q">Search by name or national identifier</label>
<p class="hint" id="q-hint">For example a surname, or the first digits of an identifier.</p>
<input type="search" id="q" name="q" value="${escapeHtml(query)}" aria-describedby="q-hint" autocomplete="off">
<button type="submit" class="secondary">Search</button></form>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
${levelChoices(requested)}
<h2 id="persons">Persons</h2>
${matches.length ? `<table aria-labelledby="persons"><thead><tr><th scope="col">Name</th><th scope="col">National identifier</th><th scope="col">Birth date</th><th scope="col"><span style="position:absolute;left:-9999px">Action</span></th></tr></thead>
<tbody>${rows}</tbody></table>` : '<p>No person matches your search.</p>'}
</form>
${abortForm(uid)}`;
  return page('Sign in', body);
}

function testLoginPage(uid, error) {
  return page('Sign in', `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}<h1>Sign in (test)</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="account">Account id</label><input type="text" id="account" name="account">
<label for="acr">acr</label><input type="text" id="acr" name="acr" value="${escapeHtml(acrValues[acrValues.length - 1])}">
<button type="submit">Sign in</button></form>${abortForm(uid)}`);
}

const configuration = {
  clients: config.clients.map((client) => ({
    client_id: client.client_id,
    client_name: client.client_name || client.client_id,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris || [],
    jwks: client.jwks,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS256',
    id_token_signed_response_alg: 'RS256',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  })),
  jwks: signingKeys(),
  cookies: {
    keys: config.cookie_keys || [crypto.randomBytes(32).toString('hex')],
    names: { session: `${cookiePrefix}_session`, interaction: `${cookiePrefix}_interaction`, resume: `${cookiePrefix}_resume` },
  },
  acrValues,
  claims: {
    openid: ['sub'],
    profile: ['given_name', 'family_name', 'birthdate'],
    eid: [nationalIdClaim, countryClaim],
  },
  scopes: ['openid', 'profile', 'eid'],
  // By default every claim is in the ID token; with "claims_in_id_token": false the scope's claims
  // are given only at the userinfo endpoint, as many national eIDs do.
  conformIdTokenClaims: config.claims_in_id_token === false,
  pkce: { required: () => true },
  clockTolerance: 5,
  ttl: {
    IdToken: Number(config.id_token_ttl || 600),
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out', `<h1>Sign out of ${escapeHtml(title)}?</h1>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<h1>You are signed out</h1>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = bySubject.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          [nationalIdClaim]: account.national_id,
          [countryClaim]: account.country,
          given_name: account.given_name,
          family_name: account.family_name,
          birthdate: account.birthdate,
        };
      },
    };
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Something went wrong</h1><p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description)}</p>`);
  },
};

const provider = new Provider(issuer, configuration);
const providerCallback = provider.callback();

async function interactionRoute(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  if (req.method === 'GET' && !action) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, page('Error', '<h1>Interaction mismatch</h1>'));
    if (details.prompt.name === 'consent') {
      // Every client here is first-party: grant what it asks for without a consent step.
      const { prompt, params, session } = details;
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes || {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    const query = (url.searchParams.get('q') || '').slice(0, 100);
    return send(res, 200, mode === 'demo' ? demoLoginPage(uid, details, query) : testLoginPage(uid));
  }
  if (req.method === 'POST' && action === 'login') {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid || details.prompt.name !== 'login') return send(res, 400, page('Error', '<h1>Interaction mismatch</h1>'));
    const form = await readForm(req);
    const account = byId.get(String(form.get('account') || ''));
    const acr = String(form.get('acr') || '');
    const problem = !account ? 'Choose an account.' : !acrValues.includes(acr) ? 'Choose a level of assurance.' : '';
    if (problem) {
      const html = mode === 'demo' ? demoLoginPage(uid, details, '', problem) : testLoginPage(uid, problem);
      return send(res, 400, html);
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.sub, acr, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'abort') {
    await provider.interactionDetails(req, res);
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' }, { mergeWithLastSubmission: false });
  }
  return send(res, 404, page('Not found', '<h1>Not found</h1>'));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/interaction/')) {
    try {
      await interactionRoute(req, res, url);
    } catch (error) {
      const status = error.status || error.statusCode || 400;
      if (!res.headersSent) send(res, status, page('Error', `<h1>Sign-in could not continue</h1><p>${escapeHtml(error.error_description || error.message)}</p>`));
    }
    return;
  }
  providerCallback(req, res);
});

server.listen(port, host, () => {
  console.log(`eid-provider (${mode}) listening on ${issuer} with ${bySubject.size} accounts`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
