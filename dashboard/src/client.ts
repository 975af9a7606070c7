import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { type Client, createClient } from 'graphql-ws';

/** A GraphQL error as the API reports it. */
export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string };
}

/** Thrown for an answer with errors (or without data). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

type Doc<R, V> = DocumentTypeDecoration<R, V> & { toString(): string };

/** Typed queries over HTTP and subscriptions over graphql-ws, with one token. */
export class Api {
  private readonly ws: Client;

  constructor(
    readonly url: string,
    private readonly token: string,
    onSocket?: (state: 'connected' | 'closed') => void,
  ) {
    this.ws = createClient({
      url: `${url.replace(/^http/, 'ws')}/graphql`,
      connectionParams: { authorization: `Bearer ${token}` },
      // Connects with the first subscription; reconnects (and resubscribes) after a drop.
      lazy: true,
      retryAttempts: Infinity,
      on: { connected: () => onSocket?.('connected'), closed: () => onSocket?.('closed') },
    });
  }

  async query<R, V>(doc: Doc<R, V>, variables?: V): Promise<R> {
    const res = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query: doc.toString(), variables }),
    });
    const body = (await res.json()) as { data?: R | null; errors?: GraphQLErrorShape[] };
    if (body.errors?.length || !body.data) {
      const first = body.errors?.[0];
      throw new ApiError(first?.message ?? `HTTP ${res.status}`, first?.extensions?.code);
    }
    return body.data;
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe<R, V>(doc: Doc<R, V>, variables: V, next: (data: R) => void, error: (e: unknown) => void): () => void {
    return this.ws.subscribe<R>(
      { query: doc.toString(), variables: variables as Record<string, unknown> },
      {
        next: (r) => {
          if (r.data) next(r.data);
          else if (r.errors?.length) error(new ApiError(r.errors[0].message));
        },
        error,
        complete: () => undefined,
      },
    );
  }

  dispose(): void {
    void this.ws.dispose();
  }
}
