/**
 * Server-sent events read from a fetch body: the text/event-stream format (fields `event`,
 * `data`, `id`; an empty line ends an event; lines starting with `:` are comments).
 */

export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

/** Splits the stream into events and hands each to `onEvent`, until the stream ends or `signal` aborts. */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: ServerEvent) => void, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const cancel = (): void => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  let id: string | undefined;
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) onEvent({ event, data: data.join('\n'), ...(id !== undefined && { id }) });
      event = 'message';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const crlf = buffer[at] === '\r' && buffer[at + 1] === '\n';
        // A lone \r at the very end may be the first half of \r\n: wait for more.
        if (buffer[at] === '\r' && at === buffer.length - 1) break;
        line(buffer.slice(0, at));
        buffer = buffer.slice(at + (crlf ? 2 : 1));
      }
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}
