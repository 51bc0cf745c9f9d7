-- Included by each query: the views of the topic given with `-v topic=NAME` (default: orders).
\if :{?topic}
\else
  \set topic orders
\endif
\set ON_ERROR_STOP on
\set QUIET on
SET search_path TO :"topic";
\set QUIET off
