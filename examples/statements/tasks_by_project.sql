-- The open tasks of one project with their comment counts, newest first.
SELECT t.id, t.title, count(c.id) AS comments
FROM tasks t
LEFT JOIN comments c ON c.task_id = t.id
WHERE t.project_id = $1 AND NOT t.done
GROUP BY t.id, t.title
ORDER BY t.id DESC
LIMIT 50;
