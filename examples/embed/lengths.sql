-- The seed query embedded in a Go program: counts of line lengths arrive in a Go callback as
-- typed rows, and the longest lines, with their vowels counted by a Go function, are kept
-- in a memory table the program reads.
CREATE SOURCE lines (value STRING)
WITH (connector = 'files', path = '/tmp/text', format = 'text');

CREATE SINK counts WITH (connector = 'go');
CREATE SINK longest WITH (connector = 'memory');

CREATE FUNCTION vowels AS 'github.com/sqlstream/sqlstream/examples/embed/textfn.Vowels';

INSERT INTO counts
SELECT length(value) AS len, count(*) AS lines
FROM lines
GROUP BY len
OUTPUT MODE UPDATE;

INSERT INTO longest
SELECT value, length(value) AS len, vowels(value) AS vowels
FROM lines
WHERE length(value) >= 20;
