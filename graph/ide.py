"""GraphiQL, with subscriptions that carry the Authorization header of its headers editor.

The stock page opens its WebSocket with an empty `connection_init`, which this server
refuses (the token travels in that message). Here every operation builds its fetcher with
the editor's `Authorization` header as the connection's `authorization` parameter, so a
subscription in one tab hears what a mutation in another does.
"""

from __future__ import annotations

from strawberry.http.ides import get_graphql_ide_html

STOCK_FETCHER = """      const fetcher = GraphiQL.createFetcher({
        url: fetchURL,
        headers: defaultHeaders,
        subscriptionUrl,
      });"""

AUTHORIZING_FETCHER = """      const fetcher = (params, options) => {
        const headers = (options && options.headers) || {};
        const authorization = headers.Authorization || headers.authorization;
        return GraphiQL.createFetcher({
          url: fetchURL,
          headers: defaultHeaders,
          subscriptionUrl,
          wsConnectionParams: authorization ? { authorization } : {},
        })(params, options);
      };"""


def graphiql_html() -> str:
    html = get_graphql_ide_html(graphql_ide="graphiql")
    if STOCK_FETCHER not in html:
        raise RuntimeError("Strawberry's GraphiQL page changed: update graph/ide.py")
    return html.replace(STOCK_FETCHER, AUTHORIZING_FETCHER)
