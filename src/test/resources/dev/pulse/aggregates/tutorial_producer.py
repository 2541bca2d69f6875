"""Produces records as the tutorials' Python clients do, for ProfilePartitioningIntegrationTest.

Usage: tutorial_producer.py confluent|kafka-python BOOTSTRAP TOPIC < records.json
records.json is a list of [key, value, partition]: value is sent as JSON, partition null lets the client's
own default partitioner choose. Prints {key: partition it landed on} as JSON; exits non-zero if any record
was not delivered.
"""
import json
import sys

client, bootstrap, topic = sys.argv[1:4]
records = json.load(sys.stdin)
landed = {}

if client == "confluent":
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap})
    failures = []

    def delivered(err, msg):
        if err is not None:
            failures.append(str(err))
        else:
            landed[msg.key().decode()] = msg.partition()

    for key, value, partition in records:
        extra = {} if partition is None else {"partition": partition}
        producer.produce(topic, key=key.encode(), value=json.dumps(value).encode(), on_delivery=delivered, **extra)
    left = producer.flush(30)
    if failures or left:
        sys.exit("not delivered: %s, %d left" % (failures, left))
elif client == "kafka-python":
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, key_serializer=str.encode,
                             value_serializer=lambda v: json.dumps(v).encode())
    for key, value, partition in records:
        landed[key] = producer.send(topic, key=key, value=value, partition=partition).get(timeout=30).partition
    producer.flush()
    producer.close()
else:
    sys.exit("unknown client " + client)

print(json.dumps(landed))
