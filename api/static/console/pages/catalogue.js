// Every article of the tenant, read from GET /v1/articles a page at a time (the list and the pins' article choice).

const PAGE = 200;  // the API's largest page
// when an article lacks a language, its title in the first of these it has (kb.models.FALLBACK_ORDER)
const FALLBACK = ["en", "lt", "zh", "ja"];

/** All articles (ArticleOut) in id order. */
export async function allArticles(ctx) {
  const articles = [];
  for (;;) {
    const page = await ctx.api("GET", `/v1/articles?offset=${articles.length}&limit=${PAGE}`);
    articles.push(...page.items);
    if (!page.items.length || articles.length >= page.total) return articles;
  }
}

/** The article's variant in `language`, else in the first language it has of the API's fallback order. */
export function variantOf(article, language) {
  const variants = article.variants || {};
  const code = [language, ...FALLBACK].find((candidate) => variants[candidate]);
  return code ? {language: code, ...variants[code]} : null;
}

/** The article's title in `language` (or its fallback), else its id. */
export function titleOf(article, language) {
  return variantOf(article, language)?.title || article.id;
}
