/**
 * Issue 12's low items, through the real endpoint: security headers on every response, tokens
 * without `exp` (or living longer than the cap) refused, look-alike emails meeting as one.
 */
import { expect } from '@jest/globals';
import { decodeJwt, SignJWT } from 'jose';

import {
  CpClientByEmailDocument,
  CreateClientDocument,
  CreateTeamMemberDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer, uniq } from './helpers/server.js';

describe('Hardening (low items)', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.tokenFor(uniq('hard'), 'ADMIN');
  });
  afterAll(() => server?.close());

  it('sends nosniff, no-store and helmet headers on API answers, errors and the playground', async () => {
    for (const [path, init] of [
      [
        '/graphql',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' },
      ],
      ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }],
      ['/healthz', {}],
      ['/playground', {}],
    ] as const) {
      const res = await fetch(server.url + path, init);
      expect([path, res.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
      expect([path, res.headers.get('cache-control')]).toEqual([path, 'no-store']);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('refuses a token without exp, without iat, or living longer than 90 days', async () => {
    expect((await server.gql(ViewerDocument, {}, admin)).data?.viewer).not.toBeNull();
    const { sub, tid, role } = decodeJwt(admin);
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const base = () =>
      new SignJWT({ tid, role }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub!).setIssuer('meridian');
    const now = Math.floor(Date.now() / 1000);
    const forged = {
      noExp: await base().setIssuedAt().sign(key),
      noIat: await base().setExpirationTime('1h').sign(key),
      tenYears: await base()
        .setIssuedAt(now)
        .setExpirationTime(now + 10 * 365 * 86_400)
        .sign(key),
    };
    for (const [name, token] of Object.entries(forged)) {
      const res = await server.gql(ViewerDocument, {}, token);
      expect([name, res.errors?.[0]?.extensions?.code]).toEqual([name, 'UNAUTHENTICATED']);
    }
  });

  it('normalises emails: fullwidth, decomposed and zero-width look-alikes are the same client', async () => {
    const email = `${uniq('jose')}@example.com`.replace('jose', 'josé');
    const first = await server.gql(CreateClientDocument, { input: { fullName: 'José One', email } }, admin);
    expect(first.data?.createClient.userErrors).toEqual([]);
    const lookAlikes = [
      email.normalize('NFD'), // e + combining acute
      [...email].map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join(''), // fullwidth
      email.replace('@', '\u200b@\u200d'), // zero-width space and joiner
      ` ${email.toUpperCase()}\u00ad `, // case, soft hyphen, spaces
    ];
    for (const lookAlike of lookAlikes) {
      expect(lookAlike).not.toBe(email);
      const res = await server.gql(
        CreateClientDocument,
        { input: { fullName: 'Look Alike', email: lookAlike } },
        admin,
      );
      expect([lookAlike, res.data?.createClient.userErrors.map((e) => e.code)]).toEqual([lookAlike, ['TAKEN']]);
      const found = await server.gql(CpClientByEmailDocument, { email: lookAlike }, admin);
      expect(found.data?.clientByEmail?.id).toBe(first.data?.createClient.client?.id);
    }
  });

  it('normalises team-member emails the same way', async () => {
    const email = `${uniq('ann')}@example.com`;
    const first = await server.gql(CreateTeamMemberDocument, { input: { email, role: 'AGENT' } }, admin);
    expect(first.data?.createTeamMember.userErrors).toEqual([]);
    const res = await server.gql(
      CreateTeamMemberDocument,
      { input: { email: email.replace('@', '\u200b＠'), role: 'AGENT' } },
      admin,
    );
    expect(res.data?.createTeamMember.userErrors.map((e) => e.code)).toEqual(['TAKEN']);
  });
});
