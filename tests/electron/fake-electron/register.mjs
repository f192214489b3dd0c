// node --import ./register.mjs …: maps `electron` to the fake before anything imports it.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
