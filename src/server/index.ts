export { startHttpServer, prometheus } from './http-server.js';
