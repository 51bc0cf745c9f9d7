"""The embedded broker: a real single-node Apache Kafka (KRaft) from the jars in lib/kafka.

It listens on localhost:9092 (PLAINTEXT), localhost:9094 (SASL_PLAINTEXT) and localhost:9095
(SASL_SSL, the protocol Confluent Cloud speaks), both SASL listeners with user `lesson3`, for testing
the Confluent Cloud code path for real; its controller uses localhost:9093. The TLS listener's
certificate is signed by a CA made at first start (.data/kafka/tls/ca.pem: what clients must trust).
Data and the log live under .data/kafka. `start` returns only once the broker answers a metadata request.
"""
from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
import uuid

from order_analytics.errors import KafkaUnavailable, UserError
from order_analytics.infra import ports
from order_analytics.paths import DATA, KAFKA_JARS

HOST = "localhost"
PORT = 9092
CONTROLLER_PORT = 9093
SASL_PORT = 9094
SSL_PORT = 9095
BOOTSTRAP = f"{HOST}:{PORT}"
SASL_BOOTSTRAP = f"{HOST}:{SASL_PORT}"
SSL_BOOTSTRAP = f"{HOST}:{SSL_PORT}"
# Test credentials of the SASL listener. They guard nothing but a local test broker.
SASL_USER = "lesson3"
SASL_PASSWORD = "lesson3-secret"

HOME = DATA / "kafka"
LOG_DIR = HOME / "data"
PID_FILE = HOME / "broker.pid"
LOG_FILE = HOME / "broker.log"
READY_TIMEOUT_S = 60
TLS_DIR = HOME / "tls"
CA_FILE = TLS_DIR / "ca.pem"            # the CA clients trust (CNFL_KAFKA_SSL_CA_LOCATION)
SERVER_PEM = TLS_DIR / "server.pem"     # the listener's private key and certificate chain, one PEM file
CERT_DAYS = 3650                        # a test CA on one machine: long enough never to expire under a user
PLAIN_JAAS = ("org.apache.kafka.common.security.plain.PlainLoginModule required "
              f'user_{SASL_USER}="{SASL_PASSWORD}";')

SERVER_PROPERTIES = f"""\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{HOST}:{CONTROLLER_PORT}
listeners=PLAINTEXT://{HOST}:{PORT},CONTROLLER://{HOST}:{CONTROLLER_PORT},SASL_PLAINTEXT://{HOST}:{SASL_PORT},SASL_SSL://{HOST}:{SSL_PORT}
advertised.listeners=PLAINTEXT://{HOST}:{PORT},SASL_PLAINTEXT://{HOST}:{SASL_PORT},SASL_SSL://{HOST}:{SSL_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config={PLAIN_JAAS}
listener.name.sasl_ssl.plain.sasl.jaas.config={PLAIN_JAAS}
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location={SERVER_PEM}
log.dirs={LOG_DIR}
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
log.retention.hours=-1
"""

LOG4J2 = f"""\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {LOG_FILE}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
"""


def _java(main_class: str, *args: str) -> list[str]:
    if not KAFKA_JARS.is_dir():
        raise UserError(f"the Kafka broker jars are missing in {KAFKA_JARS}: run `make setup` first")
    return ["java", "-Xms256m", "-Xmx1g", f"-Dlog4j2.configurationFile={HOME / 'log4j2.properties'}",
            "-cp", f"{KAFKA_JARS}/*", main_class, *args]


def pid() -> int | None:
    """The broker's pid if the process we started is still alive."""
    try:
        number = int(PID_FILE.read_text())
        os.kill(number, 0)
        return number
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None


def answers(bootstrap: str = BOOTSTRAP, timeout_s: float = 2.0) -> bool:
    """True if a broker at `bootstrap` answers a metadata request."""
    from confluent_kafka.admin import AdminClient

    try:
        AdminClient({"bootstrap.servers": bootstrap, "log_level": 0}).list_topics(timeout=timeout_s)
        return True
    except Exception:
        return False


def status() -> str:
    number = pid()
    if number and answers():
        return (f"running (pid {number}) on {BOOTSTRAP} (SASL_PLAINTEXT {SASL_BOOTSTRAP}, SASL_SSL {SSL_BOOTSTRAP} "
                f"with CA {CA_FILE}); data in {LOG_DIR}; log {LOG_FILE}")
    if number:
        return f"starting or unresponsive (pid {number}); log {LOG_FILE}"
    return "stopped"


def _format_storage() -> None:
    """Format the KRaft log directory once, with a fresh cluster id."""
    if (LOG_DIR / "meta.properties").exists():
        return
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    result = subprocess.run(_java("kafka.tools.StorageTool", "format", "-t", cluster_id,
                                  "-c", str(HOME / "server.properties")),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"formatting the Kafka storage failed: {result.stderr.strip() or result.stdout.strip()}")


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"making the broker's TLS certificate failed: openssl {args[0]}: "
                        f"{result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}")


def _make_certificates() -> None:
    """A CA and a server certificate for localhost signed by it, once: clients that trust ca.pem
    keep working across restarts. The SAN names localhost and 127.0.0.1, since both librdkafka and
    the Java client check the host name (ssl.endpoint.identification.algorithm=https)."""
    if CA_FILE.exists() and SERVER_PEM.exists():
        return
    TLS_DIR.mkdir(parents=True, exist_ok=True)
    key, csr, cert, ext = (TLS_DIR / name for name in ("server.key", "server.csr", "server.crt", "server.ext"))
    ca_key = TLS_DIR / "ca.key"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(CA_FILE),
             "-days", str(CERT_DAYS), "-subj", "/CN=lesson3 embedded broker test CA")
    # PKCS#8 without a password: the broker's PEM key store reads it with no ssl.key.password
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={HOST}")
    ext.write_text(f"subjectAltName=DNS:{HOST},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(CA_FILE), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", str(cert), "-days", str(CERT_DAYS), "-extfile", str(ext))
    SERVER_PEM.write_text(key.read_text() + cert.read_text() + CA_FILE.read_text())
    for path in (key, csr, ext):
        path.unlink()


def start(progress=print) -> str:
    """Start the broker in the background and wait until it answers. Idempotent."""
    if pid():
        if not answers(timeout_s=READY_TIMEOUT_S):
            raise KafkaUnavailable(f"the embedded broker (pid {pid()}) does not answer; see {LOG_FILE}, "
                                   "or `python runner.py kafka stop` and start again")
        return f"already running on {BOOTSTRAP}"
    if not ports.free(PORT) and answers():
        return f"a Kafka broker not started by this checkout already answers on {BOOTSTRAP}; using it"
    for port in (PORT, CONTROLLER_PORT, SASL_PORT, SSL_PORT):
        if not ports.free(port):
            raise KafkaUnavailable(f"port {port} is already taken by another program; stop it "
                                   f"(`ss -ltnp 'sport = :{port}'` shows which) or set CNFL_KAFKA_BROKER "
                                   "to use that Kafka instead")
    HOME.mkdir(parents=True, exist_ok=True)
    (HOME / "server.properties").write_text(SERVER_PROPERTIES)
    (HOME / "log4j2.properties").write_text(LOG4J2)
    _make_certificates()
    _format_storage()
    progress(f"Starting Apache Kafka on {BOOTSTRAP} (log: {LOG_FILE}) ...")
    started = time.monotonic()
    with open(HOME / "broker.out", "ab") as out:
        process = subprocess.Popen(_java("kafka.Kafka", str(HOME / "server.properties")),
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    PID_FILE.write_text(str(process.pid))
    while time.monotonic() - started < READY_TIMEOUT_S:
        if process.poll() is not None:
            PID_FILE.unlink(missing_ok=True)
            raise KafkaUnavailable(f"the Kafka broker exited with code {process.returncode}; "
                                   f"see {HOME / 'broker.out'} and {LOG_FILE}")
        if answers(timeout_s=1.0):
            return f"ready on {BOOTSTRAP} after {time.monotonic() - started:.1f}s"
        time.sleep(0.2)
    raise KafkaUnavailable(f"the Kafka broker did not answer within {READY_TIMEOUT_S}s; see {LOG_FILE}")


def stop() -> str:
    number = pid()
    if not number:
        PID_FILE.unlink(missing_ok=True)
        return "not running"
    os.kill(number, signal.SIGTERM)  # Kafka shuts down cleanly on SIGTERM
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and pid():
        time.sleep(0.2)
    if pid():
        os.kill(number, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
    return "stopped"

