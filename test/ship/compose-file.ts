// docker-compose.yml parsed once for the shipping tests, with the shapes they read.
import { parse as parseYaml } from 'yaml';
import { readRepoFile } from './ship-helpers.js';

export interface Healthcheck {
  test: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}
export interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  ports?: string[];
  env_file?: unknown;
  environment?: unknown;
  volumes?: string[];
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
  extra_hosts?: string[] | Record<string, string>;
  healthcheck?: Healthcheck;
  restart?: string;
  stop_grace_period?: string;
  entrypoint?: string[];
  command?: string[];
  configs?: Array<{ source: string; target: string }>;
  networks?: Record<string, { aliases?: string[] } | null>;
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; count?: unknown; capabilities?: string[] }[] } } };
}
export interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string }>;
}

export const composeText = readRepoFile('docker-compose.yml');
// Compose honours YAML merge keys (<<: *anchor); the yaml package needs them switched on.
export const compose = parseYaml(composeText, { merge: true }) as ComposeFile;
export const services = compose.services;
export const gateway = services.gateway as Service;

export const healthTest = (s: Service | undefined): string => {
  const test = s?.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
};
/** One-shot init services: they exit when done, so they neither restart nor health-check. */
export const isOneShot = (s: Service): boolean => s.restart === 'no';
