-- A man page cannot follow a link to another file of docs/ ("SECURITY.md"): keep the
-- link's text and drop the target, which pandoc would otherwise print after it in
-- parentheses. Links with a scheme (https:, file:) stay as they are.
function Link(link)
  if not link.target:match('^%a[%w+.-]*:') then
    return link.content
  end
end
