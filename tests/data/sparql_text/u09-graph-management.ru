CLEAR DEFAULT ;
DROP SILENT NAMED ;
DROP ALL ;
CREATE SILENT GRAPH <http://example.org/new> ;
ADD DEFAULT TO GRAPH <http://example.org/new> ;
MOVE SILENT GRAPH <http://example.org/new> TO <http://example.org/moved> ;
COPY <http://example.org/moved> TO DEFAULT
