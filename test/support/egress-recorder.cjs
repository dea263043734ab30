'use strict';
/**
 * Preloaded (`--require`) into every process of the no-egress test: appends each outbound
 * connection attempt (TCP or TLS connect, DNS lookup, UDP send) to the file named by EGRESS_LOG as
 * one JSON line, before the attempt is made, so attempts that fail (no network) are seen too.
 */
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');
const dgram = require('node:dgram');

const file = process.env.EGRESS_LOG;
function record(kind, host, port) {
  if (!file) return;
  const line = JSON.stringify({
    pid: process.pid,
    kind,
    host: String(host ?? 'localhost'),
    port: port == null ? null : Number(port),
  });
  fs.appendFileSync(file, `${line}\n`);
}

/** The destination of a `socket.connect(...)` call, in any of its forms; undefined for IPC paths. */
function destination(args) {
  // net.connect() normalises its arguments into an array before calling socket.connect().
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === 'object') {
    return first.path === undefined ? { host: first.host, port: first.port } : undefined;
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : undefined, port: Number(first) };
  }
  return undefined;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const target = destination(args);
  if (target) record('tcp', target.host, target.port);
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  record('dns', hostname);
  return lookup.call(this, hostname, ...rest);
};
const lookupPromise = dns.promises.lookup;
dns.promises.lookup = function (hostname, ...rest) {
  record('dns', hostname);
  return lookupPromise.call(this, hostname, ...rest);
};

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  const port = args.find((arg) => typeof arg === 'number' && arg > 0);
  const host = args.find((arg, index) => index > 0 && typeof arg === 'string');
  record('udp', host, port);
  return send.apply(this, args);
};
