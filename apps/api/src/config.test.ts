import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has defaults that run a fresh clone', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8000, host: '127.0.0.1', dataDir: path.resolve('./outputs'), jobConcurrency: 1 });
    // Under `npm start` the process runs in the workspace; paths stay relative to where it was started.
    expect(loadConfig({ INIT_CWD: '/home/me/studio' }).dataDir).toBe('/home/me/studio/outputs');
    expect(c.corsOrigins).toContain('http://localhost:5173');
  });

  it('reads the environment', () => {
    const c = loadConfig({ PORT: '9001', HOST: '0.0.0.0', IMAGEFLOW_DATA_DIR: '/tmp/x', IMAGEFLOW_CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(c).toMatchObject({ port: 9001, host: '0.0.0.0', dataDir: '/tmp/x', corsOrigins: ['https://a.example', 'https://b.example'] });
  });

  it('names the bad variable and what is allowed', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow('Invalid PORT="eighty": must be a number');
    expect(() => loadConfig({ PORT: '70000' })).toThrow('Invalid PORT="70000": must be between 1 and 65535');
    expect(() => loadConfig({ IMAGEFLOW_CORS_ORIGINS: 'not a url' })).toThrow(/^Invalid IMAGEFLOW_CORS_ORIGINS="not a url": must be a comma-separated list of origins/);
    expect(() => loadConfig({ IMAGEFLOW_JOB_CONCURRENCY: '0' })).toThrow('Invalid IMAGEFLOW_JOB_CONCURRENCY="0": must be between 1 and 64');
  });

  it('takes PostgreSQL from DATABASE_URL, and says what form it must have without showing its password', () => {
    expect(loadConfig({}).databaseUrl).toBeNull();
    expect(loadConfig({ DATABASE_URL: 'postgres://app:pw@db:5432/imageflow' }).databaseUrl).toBe('postgres://app:pw@db:5432/imageflow');
    expect(loadConfig({ DATABASE_URL: 'postgresql:///imageflow?host=/var/run/postgresql' }).databaseUrl).toBe('postgresql:///imageflow?host=/var/run/postgresql');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://app:s3cret@db/imageflow' })).toThrow(
      'Invalid DATABASE_URL="mysql://app:***@db/imageflow": must be a PostgreSQL URL like postgres://USER:PASSWORD@HOST:5432/DATABASE',
    );
    expect(() => loadConfig({ DATABASE_URL: 'imageflow.db' })).toThrow(/^Invalid DATABASE_URL="imageflow.db": must be a PostgreSQL URL/);
  });

  it('trusts X-Forwarded-For only from the proxies named', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ IMAGEFLOW_TRUST_PROXY: '10.0.0.5, 192.168.1.0/24,loopback,::1' }).trustProxy).toEqual(['10.0.0.5', '192.168.1.0/24', 'loopback', '::1']);
    for (const bad of ['true', '*', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1/8/2']) {
      expect(() => loadConfig({ IMAGEFLOW_TRUST_PROXY: bad })).toThrow(/^Invalid IMAGEFLOW_TRUST_PROXY=.*: must be a comma-separated list of the proxies' addresses/);
    }
  });

  it('takes a public base URL for file URLs, http(s) only and without a query', () => {
    expect(loadConfig({}).publicBaseUrl).toBeNull();
    expect(loadConfig({ IMAGEFLOW_PUBLIC_BASE_URL: 'https://cdn.example.com/studio/' }).publicBaseUrl).toBe('https://cdn.example.com/studio');
    for (const bad of ['ftp://cdn.example.com', 'cdn.example.com', 'https://cdn.example.com/?v=1', 'https://cdn.example.com/#x', 'https://me:pw@cdn.example.com']) {
      expect(() => loadConfig({ IMAGEFLOW_PUBLIC_BASE_URL: bad })).toThrow(/^Invalid IMAGEFLOW_PUBLIC_BASE_URL=.*: must be an http\(s\) URL without a query/);
    }
  });
});
