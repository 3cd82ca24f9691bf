/** Unit tests of choosing a decompressor: magic bytes first, then XML-looking data, then the name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressBuffer } from '../../rpm/payload/index.ts';
import { chooseCompression, compressionOfName, sniffCompression } from './compression.ts';

const XML = Buffer.from('<?xml version="1.0"?><metadata/>');

test('magic bytes of every compressor the system tools write', () => {
  assert.equal(sniffCompression(compressBuffer(XML, 'gzip')), 'gzip');
  assert.equal(sniffCompression(compressBuffer(XML, 'xz')), 'xz');
  assert.equal(sniffCompression(compressBuffer(XML, 'bzip2')), 'bzip2');
  assert.equal(sniffCompression(compressBuffer(XML, 'zstd')), 'zstd');
  assert.equal(sniffCompression(XML), null);
  assert.equal(sniffCompression(Buffer.alloc(0)), null);
});

test('names', () => {
  assert.equal(compressionOfName('repodata/x-primary.xml.gz'), 'gzip');
  assert.equal(compressionOfName('x-primary.xml.ZST'), 'zstd');
  assert.equal(compressionOfName('x-primary.xml.zstd'), 'zstd');
  assert.equal(compressionOfName('x-primary.xml.xz'), 'xz');
  assert.equal(compressionOfName('x-primary.xml.bz2'), 'bzip2');
  assert.equal(compressionOfName('x-primary.xml.zck'), 'zchunk');
  assert.equal(compressionOfName('x-primary.xml'), 'none');
});

test('the magic wins over the name; XML is plain whatever the name says', () => {
  assert.equal(chooseCompression('p.xml', compressBuffer(XML, 'xz')), 'xz');
  assert.equal(chooseCompression('p.xml.gz', compressBuffer(XML, 'zstd')), 'zstd');
  assert.equal(chooseCompression('p.xml.gz', XML), 'none');
  assert.equal(chooseCompression('p.xml.xz', Buffer.from('\ufeff  <metadata/>')), 'none');
  assert.equal(chooseCompression('p.xml.xz', Buffer.from('garbage!')), 'xz');
  assert.equal(chooseCompression('p.xml.zck', Buffer.from([0, 1, 2, 3, 4, 5, 6, 7])), 'zchunk');
  assert.equal(chooseCompression('p.xml.gz', Buffer.alloc(0)), 'none');
});
