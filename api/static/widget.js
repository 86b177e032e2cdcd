/* Help-centre search widget of the knowledge-base answer API. No dependencies, ES2017.
 *
 *   <div data-kb-widget data-key="<a key with the search scope only>"></div>
 *   <script src="https://<the API>/widget.js" defer></script>
 *
 * data-api (default: where this script came from), data-lang (ja, zh, lt, en; default: the page's
 * lang, then the browser's), data-channel (help_page or contact_form), data-contact-url (the "contact
 * support" link), data-name (the input's form field name in contact_form mode; default "subject").
 * Everything the API returns is inserted as text (textContent), never as HTML.
 */
(function () {
  'use strict';
  var STRINGS = {
    en: {label: 'Search the help centre', subject: 'Subject', placeholder: 'Type your question…',
      results: 'Suggested articles', none: 'No answer found.', contact: 'Contact support',
      helpful: 'Was this helpful?', yes: 'Yes', no: 'No', thanks: 'Thank you for your feedback!',
      solved: 'This solved my problem', solvedThanks: 'Glad it is solved — no need to send the form.',
      back: 'Back to results', error: 'Search is not available right now.'},
    ja: {label: 'ヘルプセンターを検索', subject: '件名', placeholder: 'ご質問を入力してください…',
      results: 'おすすめの記事', none: '該当する回答が見つかりませんでした。', contact: 'サポートに問い合わせる',
      helpful: 'この記事は役に立ちましたか？', yes: 'はい', no: 'いいえ', thanks: 'ご意見ありがとうございます。',
      solved: 'これで解決しました', solvedThanks: '解決してよかったです。フォームの送信は不要です。',
      back: '検索結果に戻る', error: '現在、検索をご利用いただけません。'},
    zh: {label: '搜索帮助中心', subject: '主题', placeholder: '请输入您的问题…',
      results: '推荐文章', none: '没有找到相关答案。', contact: '联系客服',
      helpful: '这篇文章对您有帮助吗？', yes: '有帮助', no: '没有帮助', thanks: '感谢您的反馈！',
      solved: '我的问题已解决', solvedThanks: '很高兴问题已解决，无需再提交表单。',
      back: '返回搜索结果', error: '搜索暂时不可用。'},
    lt: {label: 'Ieškoti pagalbos centre', subject: 'Tema', placeholder: 'Įveskite savo klausimą…',
      results: 'Siūlomi straipsniai', none: 'Atsakymo nerasta.', contact: 'Susisiekti su pagalbos tarnyba',
      helpful: 'Ar tai buvo naudinga?', yes: 'Taip', no: 'Ne', thanks: 'Ačiū už atsiliepimą!',
      solved: 'Tai išsprendė mano problemą', solvedThanks: 'Puiku, kad problema išspręsta: formos siųsti nereikia.',
      back: 'Grįžti į rezultatus', error: 'Paieška šiuo metu neveikia.'}
  };
  var CSS = '.kbw{font:inherit;position:relative}' +
    '.kbw label{display:block;font-weight:600;margin-bottom:.3rem}' +
    '.kbw input{box-sizing:border-box;width:100%;font:inherit;padding:.6rem .8rem;border:1px solid #888;' +
    'border-radius:.4rem}.kbw input:focus{outline:2px solid #1a5fb4;outline-offset:1px}' +
    '.kbw [role=listbox]{list-style:none;margin:.3rem 0 0;padding:0;border:1px solid #ccc;border-radius:.4rem;' +
    'background:#fff}.kbw [role=option]{padding:.5rem .8rem;cursor:pointer;border-top:1px solid #eee}' +
    '.kbw [role=option]:first-child{border-top:0}' +
    '.kbw [aria-selected=true],.kbw [role=option]:hover{background:#e8f0fb}.kbw [tabindex="-1"]:focus{outline:0}' +
    '.kbw-t{display:block;font-weight:600}.kbw-s{display:block;font-size:.9em;color:#444}' +
    '.kbw-status{margin:.5rem 0}.kbw-article{margin-top:.8rem;padding:.8rem 1rem;border:1px solid #ccc;' +
    'border-radius:.4rem;background:#fff}.kbw-article h3{margin:0 0 .5rem}' +
    '.kbw button{font:inherit;margin:.2rem .4rem .2rem 0;padding:.3rem .8rem;border:1px solid #888;' +
    'border-radius:.3rem;background:#f4f4f4;cursor:pointer}.kbw-fb{margin-top:.8rem;border-top:1px solid #eee;' +
    'padding-top:.6rem}.kbw [hidden]{display:none!important}';
  var script = document.currentScript;
  var count = 0;

  function pick(value) {
    value = (value || '').toLowerCase().slice(0, 2);
    return STRINGS[value] ? value : null;
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    return node;
  }

  function addStyles() {
    if (document.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      var sheet = new CSSStyleSheet();  // not an inline <style>: a strict style-src policy allows it
      sheet.replaceSync(CSS);
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
    } else {
      document.head.appendChild(el('style', CSS));
    }
  }

  // The article body is Markdown: paragraphs, numbered or bulleted lists and **bold**, built as text nodes.
  function renderBody(parent, text) {
    var list = null;
    text.split('\n').forEach(function (line) {
      var item = /^\s*(\d+\.|[-*])\s+(.*)$/.exec(line);
      if (!line.trim()) { list = null; return; }
      if (item && !list) list = parent.appendChild(el(/\d/.test(item[1]) ? 'ol' : 'ul'));
      if (!item) list = null;
      var node = item ? list.appendChild(el('li')) : parent.appendChild(el('p'));
      (item ? item[2] : line).split('**').forEach(function (part, i) {
        node.appendChild(i % 2 ? el('strong', part) : document.createTextNode(part));
      });
    });
  }

  function mount(root) {
    var data = root.dataset;
    var t = STRINGS[pick(data.lang) || pick(document.documentElement.lang) || pick(navigator.language) || 'en'];
    var lang = Object.keys(STRINGS).filter(function (code) { return STRINGS[code] === t; })[0];
    var base = (data.api || (script ? new URL(script.src).origin : '')).replace(/\/$/, '');
    var channel = data.channel === 'contact_form' ? 'contact_form' : 'help_page';
    var id = 'kbw' + (++count);
    var results = [], active = -1, timer = null, searching = null, typed = '', answer = null, shown = null;

    var input = el('input', '', {id: id + '-q', type: 'search', role: 'combobox', 'aria-autocomplete': 'list',
      'aria-expanded': 'false', 'aria-controls': id + '-list', autocomplete: 'off', placeholder: t.placeholder});
    if (channel === 'contact_form') input.name = data.name || 'subject';
    var list = el('ul', '', {id: id + '-list', role: 'listbox', 'aria-label': t.results});
    var status = el('div', '', {'class': 'kbw-status', role: 'status', 'aria-live': 'polite'});
    var article = el('div', '', {'class': 'kbw-article', role: 'region', 'aria-labelledby': id + '-title'});
    list.hidden = article.hidden = true;
    root.classList.add('kbw');
    root.append(el('label', channel === 'contact_form' ? t.subject : t.label, {'for': input.id}), input, list,
      status, article);

    function call(path, body, signal) {
      var headers = {'Authorization': 'Bearer ' + data.key, 'Accept-Language': lang};
      if (body) headers['Content-Type'] = 'application/json';
      return fetch(base + path, {method: body ? 'POST' : 'GET', headers: headers, signal: signal,
        body: body ? JSON.stringify(body) : undefined}).then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      });
    }

    function showStatus(text, withContact) {
      status.textContent = text || '';
      if (withContact) {
        status.append(' ', el('a', t.contact, {href: data.contactUrl || '#contact', 'class': 'kbw-contact'}));
      }
    }

    function setActive(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, i) {
        option.setAttribute('aria-selected', String(i === index));
      });
      if (index < 0) input.removeAttribute('aria-activedescendant');
      else input.setAttribute('aria-activedescendant', list.children[index].id);
    }

    function showList(visible) {
      list.hidden = !visible;
      input.setAttribute('aria-expanded', String(visible));
      if (!visible) setActive(-1);
    }

    function render(found) {
      results = found.answered ? found.results : [];
      list.replaceChildren.apply(list, results.map(function (result, i) {
        var option = el('li', '', {id: id + '-o' + i, role: 'option', 'aria-selected': 'false'});
        option.append(el('span', result.title, {'class': 'kbw-t'}), el('span', result.summary, {'class': 'kbw-s'}));
        option.addEventListener('mousedown', function (event) { event.preventDefault(); open(i); });
        return option;
      }));
      showList(results.length > 0);
      showStatus(results.length ? '' : t.none, !results.length);
    }

    function search() {
      var query = input.value.trim();
      if (searching) searching.abort();  // a stale answer must never replace a newer one
      searching = null;
      if (!query) { showList(false); showStatus(''); return; }
      typed = query;
      searching = new AbortController();
      call('/v1/search?limit=5&q=' + encodeURIComponent(query), null, searching.signal).then(render, function (error) {
        if (error.name !== 'AbortError') { showList(false); showStatus(t.error, true); }
      });
    }

    function feedbackButton(label, verdict, thanks) {
      var button = el('button', label, {type: 'button'});
      button.addEventListener('click', function () {
        var box = button.parentNode;
        answer.then(function (given) {
          return call('/v1/feedback', Object.assign({answer_id: given.answer_id}, verdict));
        }).then(function () {
          var note = el('p', thanks, {role: 'status', 'class': 'kbw-thanks', tabindex: '-1'});
          box.replaceChildren(note);
          note.focus();  // the pressed button is gone: keep the focus (and Esc) in the article
        }, function () { showStatus(t.error); });
      });
      return button;
    }

    function open(index) {
      var chosen = results[index];
      if (!chosen) return;
      clearTimeout(timer);
      if (searching) searching.abort();
      showList(false);
      shown = chosen;
      // the answer this view stands for, logged for analytics; feedback refers to it
      answer = call('/v1/answer', {query: typed, channel: channel, language: chosen.language});
      answer.catch(function () {});  // reported when feedback needs it
      call('/v1/articles/' + encodeURIComponent(chosen.id)).then(function (found) {
        if (shown !== chosen) return;  // another result was opened meanwhile
        var variant = found.variants[chosen.language];
        var title = el('h3', variant.title, {id: id + '-title', tabindex: '-1'});
        var body = el('div', '', {'class': 'kbw-body'});
        var box = el('div', '', {'class': 'kbw-fb'});
        renderBody(body, variant.body);
        box.append(el('span', t.helpful + ' '), feedbackButton(t.yes, {helpful: true}, t.thanks),
          feedbackButton(t.no, {helpful: false}, t.thanks));
        if (channel === 'contact_form') {
          box.append(el('br'), feedbackButton(t.solved, {helpful: true, resolved: true, contacted_support: false},
            t.solvedThanks));
        }
        var back = el('button', t.back, {type: 'button', 'class': 'kbw-back'});
        back.addEventListener('click', close);
        article.replaceChildren(title, body, box, back);
        article.hidden = false;
        title.focus();
      }, function () { showStatus(t.error, true); });
    }

    function hideArticle() {
      shown = null;
      article.hidden = true;
      article.replaceChildren();
    }

    function close() {
      hideArticle();
      input.focus();
      showList(results.length > 0);
    }

    input.addEventListener('input', function () {
      hideArticle();  // a new question: the opened article answered the old one
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener('keydown', function (event) {
      var n = results.length;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        if (!n) return;
        event.preventDefault();
        showList(true);
        setActive(event.key === 'ArrowDown' ? (active + 1) % n : (active + n - 1) % n);
      } else if (event.key === 'Enter' && !list.hidden && active >= 0) {
        event.preventDefault();
        open(active);
      } else if (event.key === 'Escape') {
        if (!list.hidden) showList(false);
        else { input.value = ''; results = []; showStatus(''); }
      }
    });
    article.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') close();
    });
    input.addEventListener('blur', function () { showList(false); });
    input.addEventListener('focus', function () { showList(results.length > 0 && article.hidden); });
  }

  function start() {
    addStyles();
    Array.prototype.forEach.call(document.querySelectorAll('[data-kb-widget]'), mount);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
